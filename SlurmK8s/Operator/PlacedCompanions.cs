using k8s.Models;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>
/// The <c>slurm.sylabs.io/*</c> requests of the live companion pods placed on each node, from the pod cache. A newcomer's
/// every look asks for them: they are summed again only when the cache has changed (<see cref="ICache{T}.Version"/>:
/// a pod placed, ended, deleted, or a relist), and then a pod unchanged since the last sum is not read again. Built from
/// the cache each time, not kept from change events, so a missed event or a relist cannot leave a slot counted as taken.
/// </summary>
internal sealed class PlacedCompanions(ICache<V1Pod> pods)
{
    private readonly Lock _gate = new();
    private long? _version;
    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> _byNode = new Dictionary<string, IReadOnlyDictionary<string, decimal>>();
    private Dictionary<string, Counted> _counted = new(StringComparer.Ordinal);

    /// <summary>What the placed companions take of each node, by node name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> ByNode()
    {
        var version = pods.Version;   // before the snapshot: a change in between is summed next time
        lock (_gate)
        {
            if (_version == version)
            {
                return _byNode;
            }
            var counted = new Dictionary<string, Counted>(StringComparer.Ordinal);
            foreach (var pod in pods.Snapshot().Where(p => TakenRoom.TakesRoom(p) && ReattachFirst.IsOnANode(p)))
            {
                var key = ObjectKey.Of(pod.Metadata);
                var read = pod.Metadata.ResourceVersion;
                counted[key] = read is not null && _counted.TryGetValue(key, out var known) && known.ResourceVersion == read
                    ? known
                    : new Counted(read, pod.Spec.NodeName, TakenRoom.AmountsOf(pod));
            }
            (_counted, _byNode, _version) = (counted, TakenRoom.ByNode(counted.Values.Select(c => (c.Node, c.Amounts))), version);
            return _byNode;
        }
    }

    private sealed record Counted(string? ResourceVersion, string Node, IReadOnlyDictionary<string, decimal> Amounts);
}
