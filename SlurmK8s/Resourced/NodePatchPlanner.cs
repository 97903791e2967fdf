using SlurmK8s.Kube;
using SlurmK8s.Api.V1Alpha1;
namespace SlurmK8s.Resourced;

/// <summary>
/// Pure: from what a Node carries and what this node should carry, the patch between them. resourced owns every
/// label and extended resource under slurm.sylabs.io/, so anything there that is not desired is removed.
/// </summary>
internal static class NodePatchPlanner
{
    /// <param name="node">The Node as read from the API server.</param>
    /// <param name="desired">This node's settings; null when it is no Slurm node (not in the config): then everything of ours goes.</param>
    public static NodePatchPlan Plan(NodeSnapshot node, NodeSettings? desired)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var resources = new Dictionary<string, string>(StringComparer.Ordinal);
        if (desired is not null)
        {
            labels[SlurmNodeKeys.WorkloadManagerLabel] = SlurmNodeKeys.WorkloadManagerValue;
            foreach (var (name, value) in desired.Labels)
            {
                labels[SlurmNodeKeys.Of(name)] = value;
            }
            foreach (var (name, quantity) in desired.Resources)
            {
                resources[SlurmNodeKeys.Of(name)] = quantity;
            }
        }
        return new NodePatchPlan(
            Diff(node.Labels, labels, (a, b) => string.Equals(a, b, StringComparison.Ordinal)),
            Diff(node.Capacity, resources, KubeSyntax.SameQuantity),
            Diff(node.Allocatable, resources, KubeSyntax.SameQuantity));
    }

    private static Dictionary<string, string?> Diff(IReadOnlyDictionary<string, string> current, Dictionary<string, string> desired,
        Func<string, string, bool> same)
    {
        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in desired)
        {
            if (!current.TryGetValue(key, out var now) || !same(now, value))
            {
                changes[key] = value;
            }
        }
        foreach (var key in current.Keys)
        {
            if (SlurmNodeKeys.IsOurs(key) && !desired.ContainsKey(key))
            {
                changes[key] = null;
            }
        }
        return changes;
    }
}
