using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Slurm.Sbatch;

/// <summary>
/// Turns what a script asks of Slurm into the companion pod's extended-resource requests, so that a node's
/// <c>slurm.sylabs.io/*</c> capacity is the budget of concurrent work for its Slurm cluster (as in the seed).
/// Only resources the nodes advertise are requested: a cluster whose config names no <c>gpu</c> is not asked for one.
/// </summary>
/// <remarks>
/// Quantities are written in the units the slurm-config ConfigMap and resourced use: whole numbers for CPUs, GPUs, nodes
/// and other GRES (<c>cpu: 24</c>), and memory in bytes as a Kubernetes quantity written in Mi — Slurm's own MB
/// (--mem's default unit, RealMemory) — so <c>--mem=2G</c> requests <c>2048Mi</c> against a node's <c>mem: 64Gi</c>
/// (resourced's <c>--discover</c> writes Slurm's MB the same way). Extended resources cannot be overcommitted: the pod
/// must carry the same quantities as limits and requests (the API server refuses requests without limits), and it
/// stores them canonicalized ("3000" reads back as "3k"), so compare them as quantities, never as strings.
/// </remarks>
internal static class SlurmResourceRequests
{
    public const string Cpu = SlurmNodeKeys.Prefix + SlurmResources.Cpu;
    public const string Memory = SlurmNodeKeys.Prefix + SlurmResources.Memory;
    public const string Gpu = SlurmNodeKeys.Prefix + SlurmResources.Gpu;
    public const string Nodes = SlurmNodeKeys.Prefix + SlurmResources.Nodes;

    /// <summary>
    /// Resource name → quantity for the resources in <paramref name="advertised"/> (full names, e.g. "slurm.sylabs.io/cpu",
    /// the union of what the candidate nodes carry in capacity). Zero quantities are left out.
    /// </summary>
    /// <remarks>
    /// cpu = tasks × CPUs per task; mem = --mem × nodes, --mem-per-cpu × CPUs or --mem-per-gpu × GPUs (none for --mem=0,
    /// "all of each node's memory", which a request cannot express: the job is then counted by its CPUs only; none when
    /// no memory option is given, as Slurm's default then comes from its own config); gpu = --gpus, --gpus-per-node × nodes,
    /// --gpus-per-task × tasks or the per-node gres gpu count × nodes; nodes = the minimum node count; any other gres
    /// named by the config (say <c>slurm.sylabs.io/mps</c>) = its per-node count × nodes.
    /// </remarks>
    public static SortedDictionary<string, string> For(SbatchDirectives directives, IReadOnlySet<string> advertised)
    {
        var requests = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Add(requests, advertised, Cpu, directives.CpuCount, SlurmResources.Count);
        Add(requests, advertised, Memory, directives.MemoryMiB ?? 0, SlurmResources.Mebibytes);
        Add(requests, advertised, Gpu, directives.GpuCount, SlurmResources.Count);
        Add(requests, advertised, Nodes, directives.NodeCount, SlurmResources.Count);
        foreach (var (name, perNode) in directives.GresPerNode)
        {
            var resource = SlurmNodeKeys.Of(name);
            if (resource is not (Cpu or Memory or Gpu or Nodes))
            {
                Add(requests, advertised, resource, Saturating.Multiply(perNode, directives.NodeCount), SlurmResources.Count);
            }
        }
        return requests;
    }

    private static void Add(SortedDictionary<string, string> requests, IReadOnlySet<string> advertised, string resource, long quantity,
        Func<long, string> format)
    {
        if (quantity > 0 && advertised.Contains(resource))
        {
            requests[resource] = format(quantity);
        }
    }
}
