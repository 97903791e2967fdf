using k8s.Models;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>
/// The <c>slurm.sylabs.io/*</c> requests of the live companion pods placed on each node, and how many such slots each
/// namespace holds, from the pod cache. A newcomer's every look asks for them: they are summed again only when the
/// cache has changed (<see cref="ICache{T}.Version"/>: a pod placed, ended, deleted, or a relist), and then a pod
/// unchanged since the last sum is not read again. Built from the cache each time, not kept from change events, so a
/// missed event or a relist cannot leave a slot counted as taken.
/// </summary>
internal sealed class PlacedCompanions(ICache<V1Pod> pods)
{
    private readonly Lock _gate = new();
    private long? _version;
    private Sums _sums = new(new Dictionary<string, IReadOnlyDictionary<string, decimal>>(), new Dictionary<string, int>());
    private Dictionary<string, Counted> _counted = new(StringComparer.Ordinal);

    /// <summary>What the placed companions take of each node, by node name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> ByNode() => Current().ByNode;

    /// <summary>How many placed companions that take room each namespace has: the slots its tenant holds now.</summary>
    public IReadOnlyDictionary<string, int> SlotsByNamespace() => Current().SlotsByNamespace;

    private Sums Current()
    {
        var version = pods.Version;   // before the snapshot: a change in between is summed next time
        lock (_gate)
        {
            if (_version == version)
            {
                return _sums;
            }
            var counted = new Dictionary<string, Counted>(StringComparer.Ordinal);
            foreach (var pod in pods.Snapshot().Where(p => TakenRoom.TakesRoom(p) && ReattachFirst.IsOnANode(p)))
            {
                var key = ObjectKey.Of(pod.Metadata);
                var read = pod.Metadata.ResourceVersion;
                counted[key] = read is not null && _counted.TryGetValue(key, out var known) && known.ResourceVersion == read
                    ? known
                    : new Counted(read, pod.Metadata.NamespaceProperty, pod.Spec.NodeName, TakenRoom.AmountsOf(pod));
            }
            var slots = counted.Values.Where(c => c.Amounts.Count > 0).GroupBy(c => c.Namespace, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            (_counted, _sums, _version) = (counted, new Sums(TakenRoom.ByNode(counted.Values.Select(c => (c.Node, c.Amounts))), slots), version);
            return _sums;
        }
    }

    private sealed record Sums(IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> ByNode, IReadOnlyDictionary<string, int> SlotsByNamespace);

    private sealed record Counted(string? ResourceVersion, string Namespace, string Node, IReadOnlyDictionary<string, decimal> Amounts);
}
