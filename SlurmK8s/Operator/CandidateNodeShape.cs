using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm.Sbatch;

namespace SlurmK8s.Operator;

/// <summary>Pure: one Slurm node of the candidate Kubernetes nodes, from their <c>slurm.sylabs.io/*</c> capacity (for whole-node jobs' requests).</summary>
internal static class CandidateNodeShape
{
    /// <summary>The smallest per-node shape over the nodes that advertise a Slurm node count; unknown when none does.</summary>
    public static SlurmNodeShape Of(IEnumerable<V1Node> nodes) =>
        SlurmNodeShape.Smallest(nodes
            .Select(n => n.Status?.Capacity)
            .Where(c => c is not null && c.ContainsKey(SlurmResourceRequests.Nodes))
            .Select(c => SlurmNodeShape.FromCapacity(c!
                .Where(r => SlurmNodeKeys.IsOurs(r.Key))
                .ToDictionary(r => r.Key[SlurmNodeKeys.Prefix.Length..], r => r.Value.ToDecimal(), StringComparer.Ordinal))));
}
