using SlurmK8s.Kube;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Resourced;

/// <summary>
/// Pure: the extended resources a node advertises for the Slurm cluster behind it, from red-box's partitions.
/// Counted over the distinct Slurm nodes of every partition that is UP (a node in two partitions counts once):
/// <list type="bullet">
/// <item>cpu: the sum of the nodes' CPUs;</item>
/// <item>mem: the sum of their memory, in bytes as a Kubernetes quantity (Slurm's megabytes written as Mi);</item>
/// <item>nodes: how many nodes;</item>
/// <item>one resource per GRES name (gpu, …): the sum of its counts over the nodes, whatever the type (gpu:tesla:2 counts 2 gpu).</item>
/// </list>
/// The sums are a budget of concurrent work for the whole cluster: node states are not considered, as Slurm
/// queues work for a node that is down until it is back.
/// </summary>
internal static class PartitionResources
{
    public static Dictionary<string, string> From(IEnumerable<Proto.Partition> partitions)
    {
        var nodes = partitions.Where(p => string.Equals(p.State, "UP", StringComparison.OrdinalIgnoreCase))
            .SelectMany(p => p.Nodes)
            .DistinctBy(n => n.Name, StringComparer.Ordinal)
            .ToList();
        var resources = new Dictionary<string, string>(StringComparer.Ordinal);
        if (nodes.Count == 0)
        {
            return resources;
        }
        resources[SlurmResources.Cpu] = SlurmResources.Count(nodes.Sum(n => (long)n.Cpus));
        resources[SlurmResources.Memory] = SlurmResources.Mebibytes(nodes.Sum(n => n.MemoryMb));
        resources[SlurmResources.Nodes] = SlurmResources.Count(nodes.Count);
        var gres = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in nodes.SelectMany(n => n.Gres))
        {
            if (Gres.TryParseItem(entry, out var name, out var count) && !SlurmResources.IsCountedOtherwise(name) && KubeSyntax.NameProblem(name) is null)
            {
                gres[name] = Saturating.Add(gres.GetValueOrDefault(name), count);
            }
        }
        foreach (var (name, count) in gres)
        {
            resources[name] = SlurmResources.Count(count);
        }
        return resources;
    }
}
