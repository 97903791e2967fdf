using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>
/// Pure: what live companion pods take of each node's <c>slurm.sylabs.io/*</c> budget — those placed on it, and those
/// not yet placed that may land on it and could fit it at all (which unplaced pods count is the caller's).
/// </summary>
/// <param name="placed">The requests of the live pods placed on each node, by node name (<see cref="ByNode"/>).</param>
/// <param name="unplaced">The live pods not yet placed that count.</param>
internal sealed class TakenRoom(IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> placed, IReadOnlyList<TakenRoom.Unplaced> unplaced)
{
    private static readonly IReadOnlyDictionary<string, decimal> Nothing = new Dictionary<string, decimal>();

    /// <summary>A companion not yet placed: where it may land, and what it takes there.</summary>
    public sealed record Unplaced(IDictionary<string, string>? Selector, IReadOnlyDictionary<string, decimal> Amounts)
    {
        public static Unplaced Of(V1Pod pod) => new(pod.Spec?.NodeSelector, AmountsOf(pod));
    }

    /// <summary>From these companion pods: the ended ones take nothing, the placed ones take from their node.</summary>
    public static TakenRoom Of(IEnumerable<V1Pod> companions)
    {
        var live = companions.Where(TakesRoom).ToList();
        return new TakenRoom(ByNode(live.Where(ReattachFirst.IsOnANode).Select(p => (p.Spec.NodeName, AmountsOf(p)))), [.. live.Where(p => !ReattachFirst.IsOnANode(p)).Select(Unplaced.Of)]);
    }

    /// <summary>What is taken on this node.</summary>
    public IReadOnlyDictionary<string, decimal> On(V1Node node)
    {
        var there = placed.GetValueOrDefault(node.Metadata.Name) ?? Nothing;
        var landing = unplaced.Where(u => NodeSelection.Matches(u.Selector, node) && NodeSelection.Fits(u.Amounts, node)).ToList();
        if (landing.Count == 0)
        {
            return there;
        }
        var sum = new Dictionary<string, decimal>(there, StringComparer.Ordinal);
        landing.ForEach(u => AddTo(sum, u.Amounts));
        return sum;
    }

    /// <summary>A companion takes room until it has ended: one being deleted holds its slot until it stops.</summary>
    public static bool TakesRoom(V1Pod pod) => pod.Status?.Phase is not ("Succeeded" or "Failed");

    /// <summary>The pod's <c>slurm.sylabs.io/*</c> limits (else requests), summed over its containers.</summary>
    public static IReadOnlyDictionary<string, decimal> AmountsOf(V1Pod pod)
    {
        var sum = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            foreach (var (key, quantity) in container.Resources?.Limits ?? container.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>())
            {
                if (SlurmNodeKeys.IsOurs(key))
                {
                    sum[key] = sum.GetValueOrDefault(key) + quantity.ToDecimal();
                }
            }
        }
        return sum;
    }

    /// <summary>The amounts summed per node.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> ByNode(IEnumerable<(string Node, IReadOnlyDictionary<string, decimal> Amounts)> placedPods)
    {
        var byNode = new Dictionary<string, Dictionary<string, decimal>>(StringComparer.Ordinal);
        foreach (var (node, amounts) in placedPods)
        {
            if (!byNode.TryGetValue(node, out var sum))
            {
                byNode[node] = sum = new Dictionary<string, decimal>(StringComparer.Ordinal);
            }
            AddTo(sum, amounts);
        }
        return byNode.ToDictionary(n => n.Key, n => (IReadOnlyDictionary<string, decimal>)n.Value, StringComparer.Ordinal);
    }

    private static void AddTo(Dictionary<string, decimal> sum, IReadOnlyDictionary<string, decimal> amounts)
    {
        foreach (var (key, amount) in amounts)
        {
            sum[key] = sum.GetValueOrDefault(key) + amount;
        }
    }
}
