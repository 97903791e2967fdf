using System.Collections.Concurrent;
using k8s.Models;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>
/// The room this operator gave its companion pods lately. A newcomer's room is taken when it is admitted, before its
/// pod is created: a pass beside it (the work queue runs several) or just after it, whose pod cache has not seen the
/// pod yet, counts it, so one freed slot goes to one newcomer and the scheduler refuses none. Until the scheduler places
/// the pod it takes room where it may land, for at most <see cref="CompanionAdmission.Placing"/>; a pod of ours still
/// unplaced after that waits on something else, and is left to the scheduler. A pod it did not make counts only once
/// placed: a tenant can make pods with our label, and one it keeps from ever being placed must not make every other
/// tenant wait. Few at any time; safe for concurrent passes.
/// </summary>
internal sealed class RecentlyMadePods(ICache<V1Pod> pods)
{
    private readonly ConcurrentDictionary<string, Given> _given = new(StringComparer.Ordinal);

    /// <summary>The companion pod "namespace/name", which may land where <paramref name="selector"/> allows, takes <paramref name="amounts"/> from now.</summary>
    public void Made(string podKey, IDictionary<string, string>? selector, IReadOnlyDictionary<string, decimal> amounts, DateTime now)
    {
        foreach (var (stale, _) in _given.Where(g => now - g.Value.At > CompanionAdmission.Placing))
        {
            _given.TryRemove(stale, out _);
        }
        _given[podKey] = new Given(now, selector, amounts);
    }

    /// <summary>This pod, just created: it takes what it asks for.</summary>
    public void Made(V1Pod pod, DateTime now) => Made(ObjectKey.Of(pod.Metadata), pod.Spec?.NodeSelector, TakenRoom.AmountsOf(pod), now);

    /// <summary>The room given for this pod comes back: its job made no pod after all.</summary>
    public void GiveBack(string podKey) => _given.TryRemove(podKey, out _);

    /// <summary>What those given room lately take, where not yet placed: as the cache shows each, or as given while the cache has not shown it yet.</summary>
    public IReadOnlyList<TakenRoom.Unplaced> Unplaced(DateTime now)
    {
        var unplaced = new List<TakenRoom.Unplaced>();
        foreach (var (key, given) in _given)
        {
            if (now - given.At > CompanionAdmission.Placing)
            {
                continue;
            }
            if (pods.TryGet(key, out var pod))
            {
                given.Seen = true;
                if (TakenRoom.TakesRoom(pod) && !ReattachFirst.IsOnANode(pod))
                {
                    unplaced.Add(TakenRoom.Unplaced.Of(pod));
                }
            }
            else if (!given.Seen)
            {
                unplaced.Add(new TakenRoom.Unplaced(given.Selector, given.Amounts));   // not in the cache yet
            }
        }
        return unplaced;
    }

    private sealed class Given(DateTime at, IDictionary<string, string>? selector, IReadOnlyDictionary<string, decimal> amounts)
    {
        public DateTime At { get; } = at;

        public IDictionary<string, string>? Selector { get; } = selector;

        public IReadOnlyDictionary<string, decimal> Amounts { get; } = amounts;

        /// <summary>The cache showed the pod: once gone from it, the pod is gone and takes nothing.</summary>
        public volatile bool Seen;
    }
}
