using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;
using SlurmK8s.Slurm.Sbatch;

namespace SlurmK8s.Operator;

/// <summary>Pure: the <c>slurm.sylabs.io/*</c> requests of a SlurmJob's companion pod, its share of the node's Slurm budget.</summary>
internal static class CompanionRequests
{
    /// <summary>
    /// From the script's #SBATCH lines, for the resources some node advertises; whole-node jobs are counted by the
    /// smallest Slurm node of the nodes the SlurmJob's nodeSelector allows. None for a script that does not parse.
    /// </summary>
    public static IReadOnlyDictionary<string, string> For(SlurmJob job, SbatchParseResult parsed, IReadOnlyCollection<V1Node> nodes)
    {
        if (!parsed.IsValid)
        {
            return new Dictionary<string, string>();
        }
        var advertised = nodes.SelectMany(n => n.Status?.Capacity?.Keys ?? []).Where(SlurmNodeKeys.IsOurs).ToHashSet(StringComparer.Ordinal);
        return SlurmResourceRequests.For(parsed.Directives, advertised, CandidateNodeShape.Of(NodeSelection.Candidates(job, nodes)));
    }
}
