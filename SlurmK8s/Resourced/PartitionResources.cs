using System.Globalization;
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
        resources["cpu"] = Text(nodes.Sum(n => (long)n.Cpus));
        resources["mem"] = Text(nodes.Sum(n => n.MemoryMb)) + "Mi";
        resources["nodes"] = Text(nodes.Count);
        var gres = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in nodes.SelectMany(n => n.Gres))
        {
            if (ParseGres(entry) is var (name, count) && !resources.ContainsKey(name) && KubeSyntax.NameProblem(name) is null)
            {
                gres[name] = gres.GetValueOrDefault(name) + count;
            }
        }
        foreach (var (name, count) in gres)
        {
            resources[name] = Text(count);
        }
        return resources;
    }

    /// <summary>"gpu:tesla:2(S:0-1)" → (gpu, 2); "gpu:2" → (gpu, 2); "gpu" → (gpu, 1); "mps:1K" → (mps, 1024).</summary>
    public static (string Name, long Count)? ParseGres(string entry)
    {
        var bare = entry.Split('(')[0].Trim();
        var parts = bare.Split(':');
        if (parts[0].Length == 0)
        {
            return null;
        }
        return parts.Length > 1 && ParseCount(parts[^1]) is { } count ? (parts[0], count) : (parts[0], 1);
    }

    private static long? ParseCount(string text)
    {
        // Slurm's GRES counts take K, M, G, T, P suffixes in powers of 1024.
        var multiplier = text.Length == 0 ? 1 : char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            'T' => 1L << 40,
            'P' => 1L << 50,
            _ => 1,
        };
        var digits = multiplier == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n * multiplier : null;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
