using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Slurm.Sbatch;

/// <summary>
/// Turns what a script asks of Slurm into the companion pod's extended-resource requests, so that a node's
/// <c>slurm.sylabs.io/*</c> capacity is the budget of concurrent work for its Slurm cluster (as in the seed).
/// Only resources the nodes advertise are requested: a cluster whose config names no <c>gpu</c> is not asked for one.
/// </summary>
/// <remarks>
/// <para>
/// The rule follows how Slurm (select/cons_tres) shares nodes: by default jobs share them, each holding only the CPUs,
/// memory and GRES it is allocated, so a job is counted by those, and <c>nodes</c> counts only the nodes a job keeps
/// from other jobs. On three 2-CPU nodes, six single-CPU jobs run at once in Slurm, and six companion pods fit.
/// </para>
/// <list type="bullet">
/// <item>cpu = what Slurm allocates at least (<see cref="SbatchDirectives.CpuCount"/>): tasks × CPUs per task, at least
/// one per node, min(--ntasks-per-node, --ntasks) × CPUs per task per node, --mincpus per node; under --overcommit one task
/// per node;</item>
/// <item>mem = --mem × nodes, --mem-per-cpu × CPUs or --mem-per-gpu × GPUs; none when no memory option is given (Slurm's
/// default then comes from its own config, DefMemPerCPU, which Kubernetes cannot know);</item>
/// <item>gpu = --gpus, --gpus-per-node × nodes, --gpus-per-task × tasks or the per-node gres gpu count × nodes; any other
/// GRES the config names (say <c>slurm.sylabs.io/mps</c>) = its per-node count × nodes;</item>
/// <item>nodes = the node count, only for <c>--exclusive</c> (also <c>=user</c> and <c>=mcs</c>: their nodes are shared with
/// no other user's, or other label's, jobs); otherwise none;</item>
/// <item>plain <c>--exclusive</c> is given all CPUs and GRES of each node (but only the memory it asks for), and
/// <c>--mem=0</c> all the memory of each node: with the node's <see cref="SlurmNodeShape"/> known, cpu, GRES
/// (respectively mem) are counted for the whole nodes — enough nodes for its CPUs — otherwise by what the job asks
/// for alone.</item>
/// </list>
/// <para>
/// A capacity is a sum over the cluster's nodes, so the budget cannot see how work packs onto single nodes: every
/// request is what the job holds at least, and the budget never keeps out work Slurm could start, but it may let in a
/// job Slurm cannot place yet (e.g. <c>-N 2</c> when only one node has free CPUs), which then waits in Slurm's queue
/// (Pending, Reason=Resources) as it would on its own. A partition's OverSubscribe or ExclusiveUser settings and
/// CR_*_Memory are Slurm's configuration, not the script's: write the ConfigMap's <c>mem</c> only where Slurm counts
/// memory (CR_Core_Memory, CR_CPU_Memory).
/// </para>
/// <para>
/// Quantities are written in the units the slurm-config ConfigMap and resourced use: whole numbers for CPUs, GPUs, nodes
/// and other GRES (<c>cpu: 24</c>), and memory in bytes as a Kubernetes quantity written in Mi — Slurm's own MB
/// (--mem's default unit, RealMemory) — so <c>--mem=2G</c> requests <c>2048Mi</c> against a node's <c>mem: 64Gi</c>
/// (resourced's <c>--discover</c> writes Slurm's MB the same way). Extended resources cannot be overcommitted: the pod
/// must carry the same quantities as limits and requests (the API server refuses requests without limits), and it
/// stores them canonicalized ("3000" reads back as "3k"), so compare them as quantities, never as strings.
/// </para>
/// </remarks>
internal static class SlurmResourceRequests
{
    public const string Cpu = SlurmNodeKeys.Prefix + SlurmResources.Cpu;
    public const string Memory = SlurmNodeKeys.Prefix + SlurmResources.Memory;
    public const string Gpu = SlurmNodeKeys.Prefix + SlurmResources.Gpu;
    public const string Nodes = SlurmNodeKeys.Prefix + SlurmResources.Nodes;

    /// <summary>
    /// Resource name → quantity for the resources in <paramref name="advertised"/> (full names, e.g. "slurm.sylabs.io/cpu",
    /// the union of what the candidate nodes carry in capacity), by the rule in this type's remarks. Zero quantities are
    /// left out. <paramref name="shape"/> is one Slurm node of the candidates (<see cref="SlurmNodeShape.Smallest"/>),
    /// for whole-node jobs; without it they are counted by what they ask for.
    /// </summary>
    public static SortedDictionary<string, string> For(SbatchDirectives directives, IReadOnlySet<string> advertised, SlurmNodeShape? shape = null)
    {
        shape ??= SlurmNodeShape.Unknown;
        var whole = directives.TakesWholeNodes;
        var nodes = directives.NodeCount;
        var cpus = directives.CpuCount;
        if (whole && shape.Cpus is { } perNode && perNode > 0)
        {
            // Slurm gives an exclusive job enough whole nodes for its CPUs (-n 3 --exclusive on 2-CPU nodes: 2 nodes, 4 CPUs).
            nodes = Math.Max(nodes, (cpus + perNode - 1) / perNode);
            cpus = Saturating.Multiply(nodes, perNode);
        }
        long memory = directives.WantsAllNodeMemory
            ? (shape.MemoryMiB is { } nodeMemory ? Saturating.Multiply(nodeMemory, nodes) : 0)
            : directives.MemoryPerNodeMiB is { } perNodeMemory ? Saturating.Multiply(perNodeMemory, nodes)
            : directives.MemoryMiB ?? 0;
        var gpus = whole && shape.Gres.TryGetValue(SlurmResources.Gpu, out var nodeGpus) ? Saturating.Multiply(nodeGpus, nodes) : directives.GpuCount;
        var requests = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Add(requests, advertised, Cpu, cpus, SlurmResources.Count);
        Add(requests, advertised, Memory, memory, SlurmResources.Mebibytes);
        Add(requests, advertised, Gpu, gpus, SlurmResources.Count);
        Add(requests, advertised, Nodes, directives.Sharing is SbatchSharing.Exclusive or SbatchSharing.ExclusiveUser or SbatchSharing.ExclusiveMcs ? nodes : 0,
            SlurmResources.Count);
        var gresNames = directives.GresPerNode.Keys.Concat(whole ? shape.Gres.Keys : []).Distinct(StringComparer.Ordinal);
        foreach (var name in gresNames)
        {
            var resource = SlurmNodeKeys.Of(name);
            if (resource is not (Cpu or Memory or Gpu or Nodes))
            {
                var perNodeCount = whole && shape.Gres.TryGetValue(name, out var all) ? all : directives.GresPerNode.GetValueOrDefault(name);
                Add(requests, advertised, resource, Saturating.Multiply(perNodeCount, nodes), SlurmResources.Count);
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
