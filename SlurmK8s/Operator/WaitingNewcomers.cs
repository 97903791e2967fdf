using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>
/// The newcomers waiting for room in a budget, and the order in which a freed slot should reach them: the namespace
/// (the tenant) holding the fewest slots first, and within it the SlurmJob made first (creationTimestamp, then key).
/// One tenant's thousand SlurmJobs thus take turns with another tenant's one instead of running ahead of it; Slurm's
/// own fair share can only order the jobs it has been given. Each change is O(log n) and the next few are read off
/// each namespace's front: with thousands waiting nothing is sorted whole. Safe for concurrent passes.
/// </summary>
internal sealed class WaitingNewcomers
{
    private static readonly Comparer<(DateTime Since, string Key)> OldestFirst =
        Comparer<(DateTime Since, string Key)>.Create((a, b) => a.Since != b.Since ? a.Since.CompareTo(b.Since) : string.CompareOrdinal(a.Key, b.Key));

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTime> _since = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<(DateTime Since, string Key)>> _byNamespace = new(StringComparer.Ordinal);

    /// <summary>How many namespaces have a job waiting: with fewer than two, the slots each holds cannot change the order.</summary>
    public int Namespaces
    {
        get
        {
            lock (_gate)
            {
                return _byNamespace.Count;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _since.Count;
            }
        }
    }

    /// <summary>The SlurmJob "namespace/name", made at <paramref name="since"/>, waits (again: its place is kept).</summary>
    public void Wait(string key, DateTime since)
    {
        lock (_gate)
        {
            if (_since.TryGetValue(key, out var known))
            {
                if (known == since)
                {
                    return;
                }
                Remove(key, known);
            }
            _since[key] = since;
            var ns = ObjectKey.Split(key).Namespace;
            if (!_byNamespace.TryGetValue(ns, out var line))
            {
                _byNamespace[ns] = line = new SortedSet<(DateTime, string)>(OldestFirst);
            }
            line.Add((since, key));
        }
    }

    /// <summary>It waits no longer (it got its pod, is held for another reason, or is gone).</summary>
    public void Leave(string key)
    {
        lock (_gate)
        {
            if (_since.Remove(key, out var known))
            {
                Remove(key, known);
            }
        }
    }

    /// <summary>
    /// Up to <paramref name="count"/> keys in the order freed slots should go: each from the namespace holding the
    /// fewest slots (<paramref name="slotsHeld"/>, each pick counting as one more), its longest waiting; between
    /// namespaces holding as many, the longest waiting.
    /// </summary>
    public IReadOnlyList<string> Next(int count, IReadOnlyDictionary<string, int> slotsHeld)
    {
        lock (_gate)
        {
            var heads = new PriorityQueue<IEnumerator<(DateTime Since, string Key)>, (int Held, DateTime Since, string Key)>(
                Comparer<(int Held, DateTime Since, string Key)>.Create((a, b) =>
                    a.Held != b.Held ? a.Held.CompareTo(b.Held) : OldestFirst.Compare((a.Since, a.Key), (b.Since, b.Key))));
            foreach (var (ns, line) in _byNamespace)
            {
                var jobs = line.GetEnumerator();
                if (jobs.MoveNext())
                {
                    heads.Enqueue(jobs, (slotsHeld.GetValueOrDefault(ns), jobs.Current.Since, jobs.Current.Key));
                }
            }
            var next = new List<string>(count);
            while (next.Count < count && heads.TryDequeue(out var jobs, out var rank))
            {
                next.Add(rank.Key);
                if (jobs.MoveNext())
                {
                    heads.Enqueue(jobs, (rank.Held + 1, jobs.Current.Since, jobs.Current.Key));
                }
            }
            return next;
        }
    }

    private void Remove(string key, DateTime since)
    {
        var ns = ObjectKey.Split(key).Namespace;
        if (_byNamespace.TryGetValue(ns, out var line) && line.Remove((since, key)) && line.Count == 0)
        {
            _byNamespace.Remove(ns);
        }
    }
}
