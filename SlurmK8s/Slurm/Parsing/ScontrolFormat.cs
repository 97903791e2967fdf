using System.Globalization;

namespace SlurmK8s.Slurm.Parsing;

/// <summary>Parses scontrol's one-line records: partitions, nodes and the config.</summary>
internal static class ScontrolFormat
{
    /// <summary>Joins `scontrol show partition -o` and `scontrol show node -o`.</summary>
    public static IReadOnlyList<PartitionRecord> ParsePartitions(string partitionOutput, string nodeOutput)
    {
        var nodes = ParseNodes(nodeOutput);
        var partitions = new List<PartitionRecord>();
        foreach (var line in partitionOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = KeyValueLine.Parse(line);
            var name = p.Get("PartitionName");
            if (name.Length == 0)
            {
                continue;
            }
            var members = nodes.Where(n => n.Partitions.Contains(name)).ToList();
            partitions.Add(new PartitionRecord(
                name,
                p.Get("Default") == "YES",
                p.Get("State"),
                SlurmValues.ParseDuration(p.Get("MaxTime")),
                int.TryParse(p.Get("TotalNodes"), CultureInfo.InvariantCulture, out var totalNodes) ? totalNodes : members.Count,
                int.TryParse(p.Get("TotalCPUs"), CultureInfo.InvariantCulture, out var totalCpus) ? totalCpus : members.Sum(n => n.Cpus),
                members));
        }
        return partitions;
    }

    public static IReadOnlyList<NodeRecord> ParseNodes(string output)
    {
        var nodes = new List<NodeRecord>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = KeyValueLine.Parse(line);
            var name = p.Get("NodeName");
            if (name.Length == 0)
            {
                continue;
            }
            nodes.Add(new NodeRecord(
                name,
                p.Get("State"),
                int.TryParse(p.Get("CPUTot"), CultureInfo.InvariantCulture, out var cpus) ? cpus : 0,
                long.TryParse(p.Get("RealMemory"), CultureInfo.InvariantCulture, out var memory) ? memory : 0,
                SplitList(p.Get("AvailableFeatures")),
                SplitList(p.Get("Gres")),
                SplitList(p.Get("Partitions"))));
        }
        return nodes;
    }

    /// <summary>Parses `scontrol show config` ("Key = Value" lines).</summary>
    public static ClusterConfig ParseConfig(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var eq = line.IndexOf(" = ", StringComparison.Ordinal);
            if (eq > 0)
            {
                values.TryAdd(line[..eq].Trim(), line[(eq + 3)..].Trim());
            }
        }
        string Get(string key) => values.TryGetValue(key, out var v) ? v : "";
        var minJobAge = Get("MinJobAge").Split(' ')[0];
        return new ClusterConfig(
            Get("SLURM_VERSION"),
            Get("ClusterName"),
            AccountingEnabled: Get("AccountingStorageType") is { Length: > 0 } type && type != "accounting_storage/none",
            StoresJobComment: Get("AccountingStoreFlags").Contains("job_comment", StringComparison.Ordinal),
            MinJobAge: TimeSpan.FromSeconds(int.TryParse(minJobAge, CultureInfo.InvariantCulture, out var age) ? age : 300))
        {
            ControllerHost = Get("SlurmctldHost[0]") is { Length: > 0 } host ? host : Get("ControlMachine"),
        };
    }

    private static string[] SplitList(string value) =>
        SlurmValues.Clean(value).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
