using k8s.Models;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Operator;

/// <summary>
/// The companion pods this operator made in the last <see cref="CompanionAdmission.Placing"/>: until the scheduler places
/// one it takes room where it may land. A pod it did not make counts only once placed: a tenant can make pods with our
/// label, and one it keeps from ever being placed must not make every other tenant wait. A pod of ours still unplaced
/// after that waits on something else, and is left to the scheduler. Few at any time; safe for concurrent passes.
/// </summary>
internal sealed class RecentlyMadePods(ICache<V1Pod> pods)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> _made = new(StringComparer.Ordinal);

    /// <summary>The pod "namespace/name" was made now.</summary>
    public void Made(string podKey, DateTime now)
    {
        foreach (var (stale, _) in _made.Where(m => now - m.Value > CompanionAdmission.Placing))
        {
            _made.TryRemove(stale, out _);
        }
        _made[podKey] = now;
    }

    /// <summary>Those made lately that the cache shows live and not yet placed.</summary>
    public IReadOnlyList<V1Pod> Unplaced(DateTime now) =>
        [.. _made.Where(m => now - m.Value <= CompanionAdmission.Placing)
            .Select(m => pods.TryGet(m.Key, out var pod) ? pod : null)
            .OfType<V1Pod>()
            .Where(p => TakenRoom.TakesRoom(p) && !ReattachFirst.IsOnANode(p))];
}
