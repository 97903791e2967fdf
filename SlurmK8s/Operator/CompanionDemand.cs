using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm.Sbatch;

namespace SlurmK8s.Operator;

/// <summary>
/// A SlurmJob's parsed script and what its companion pod asks of a node's <c>slurm.sylabs.io/*</c> budget, worked out
/// once and carried to every rule that needs it (admission, re-attach, the pod itself): the script is parsed once.
/// </summary>
/// <param name="Script">The script's #SBATCH lines, or why they do not parse.</param>
/// <param name="Requests">The companion's <c>slurm.sylabs.io/*</c> requests as the pod states them (none for a script that does not parse).</param>
internal sealed record CompanionDemand(SbatchParseResult Script, IReadOnlyDictionary<string, string> Requests)
{
    /// <summary>The same requests as numbers, for sums against a node's budget.</summary>
    public IReadOnlyDictionary<string, decimal> Amounts { get; } =
        Requests.ToDictionary(r => r.Key, r => new ResourceQuantity(r.Value).ToDecimal(), StringComparer.Ordinal);

    /// <summary>Parses the job's script and works out its companion's requests on these nodes (<see cref="CompanionRequests"/>).</summary>
    public static CompanionDemand Of(SlurmJob job, IReadOnlyCollection<V1Node> nodes)
    {
        var script = SbatchScript.Parse(job.Spec.Batch);
        return new CompanionDemand(script, CompanionRequests.For(job, script, nodes));
    }
}
