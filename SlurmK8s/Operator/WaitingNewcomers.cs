namespace SlurmK8s.Operator;

/// <summary>
/// The newcomers waiting for room in a budget, oldest SlurmJob first (creationTimestamp, then key). A companion's end
/// wakes the first few, and with a thousand waiting that must not sort them all: each change is O(log n), and the
/// oldest are read off the front. Safe for concurrent passes.
/// </summary>
internal sealed class WaitingNewcomers
{
    private static readonly Comparer<(DateTime Since, string Key)> OldestFirst =
        Comparer<(DateTime Since, string Key)>.Create((a, b) => a.Since != b.Since ? a.Since.CompareTo(b.Since) : string.CompareOrdinal(a.Key, b.Key));

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTime> _since = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTime Since, string Key)> _inOrder = new(OldestFirst);

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
                _inOrder.Remove((known, key));
            }
            _since[key] = since;
            _inOrder.Add((since, key));
        }
    }

    /// <summary>It waits no longer (it got its pod, is held for another reason, or is gone).</summary>
    public void Leave(string key)
    {
        lock (_gate)
        {
            if (_since.Remove(key, out var known))
            {
                _inOrder.Remove((known, key));
            }
        }
    }

    /// <summary>Up to <paramref name="count"/> keys, the longest waiting first.</summary>
    public IReadOnlyList<string> Oldest(int count)
    {
        lock (_gate)
        {
            return [.. _inOrder.Take(count).Select(w => w.Key)];
        }
    }
}
