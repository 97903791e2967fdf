using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>Pure: which nodes a SlurmJob's companion may land on, and whether its requests could ever fit one of them.</summary>
internal static class NodeSelection
{
    private static readonly IReadOnlyDictionary<string, decimal> Nothing = new Dictionary<string, decimal>();

    /// <summary>The nodes the SlurmJob's companion may land on: those resourced labelled as Slurm's, carrying every label of its nodeSelector.</summary>
    public static IEnumerable<V1Node> Candidates(SlurmJob job, IEnumerable<V1Node> nodes) => nodes.Where(n => Allows(job, n));

    /// <summary>The Ready nodes the job may land on whose budget could ever hold these requests (busy or not).</summary>
    public static List<V1Node> CouldHold(SlurmJob job, IReadOnlyDictionary<string, decimal> requests, IEnumerable<V1Node> nodes) =>
        [.. Candidates(job, nodes).Where(n => IsReady(n) && Fits(requests, n))];

    /// <summary>The node carries what the companion pod's selector asks (<see cref="CompanionPod.NodeSelectorFor"/>): the Slurm label and the SlurmJob's nodeSelector.</summary>
    public static bool Allows(SlurmJob job, V1Node node) =>
        node.Metadata?.Labels?.TryGetValue(SlurmNodeKeys.WorkloadManagerLabel, out var manager) == true && manager == SlurmNodeKeys.WorkloadManagerValue
        && Matches(job.Spec.NodeSelector, node);

    /// <summary>The node carries every label of the selector (any node, for none): a SlurmJob's or a pod's.</summary>
    public static bool Matches(IDictionary<string, string>? selector, V1Node node) =>
        (selector ?? new Dictionary<string, string>())
            .All(l => node.Metadata?.Labels?.TryGetValue(l.Key, out var value) == true && value == l.Value);

    /// <summary>Ready, or not saying otherwise: a node whose kubelet is gone places nothing.</summary>
    public static bool IsReady(V1Node node) =>
        node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready") is not { } ready || ready.Status == "True";

    /// <summary>Every request is within what the node can give at all (its allocatable, else its capacity), busy or not.</summary>
    public static bool Fits(IReadOnlyDictionary<string, decimal> requests, V1Node node) => HasRoom(requests, node, Nothing);

    /// <summary>
    /// Every request is within what the node can give (its allocatable, else its capacity) less what is taken there:
    /// one rule for "could ever hold" (nothing taken) and "has room now".
    /// </summary>
    public static bool HasRoom(IReadOnlyDictionary<string, decimal> requests, V1Node node, IReadOnlyDictionary<string, decimal> taken)
    {
        var offered = node.Status?.Allocatable ?? node.Status?.Capacity;
        foreach (var (key, amount) in requests)
        {
            if (offered is null || !offered.TryGetValue(key, out var total) || taken.GetValueOrDefault(key) + amount > total.ToDecimal())
            {
                return false;
            }
        }
        return true;
    }
}
