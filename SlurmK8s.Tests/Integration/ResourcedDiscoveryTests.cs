using System.Globalization;
using SlurmK8s.Resourced;
using static SlurmK8s.Tests.Integration.ResourcedOnRealApiServerTests;

namespace SlurmK8s.Tests.Integration;

/// <summary>`resourced --discover`: a real red-box over the real Slurm, and the real API server.</summary>
[Category("Integration")]
[NonParallelizable]
internal sealed class ResourcedDiscoveryTests
{
    [Test]
    public async Task Resourced_Discover_SetsTheSlurmClustersCpusMemoryAndNodesOnTheNode()
    {
        await RealSlurm.EnsureUpAsync();
        await RealApiServer.EnsureUpAsync();
        using var client = RealApiServer.CreateClient();
        using var dir = new TempDirectory();
        await using var redBox = await InProcessRedBox.StartAsync(dir.Combine("redbox"));
        var (cpus, memoryMb, nodes) = await SlurmNodesAsync();
        var node = await CreateNodeAsync(client);
        using var stop = new CancellationTokenSource();
        try
        {
            Directory.CreateDirectory(dir.Combine("config"));
            await File.WriteAllTextAsync(dir.Combine("config", "slurm"), $"{node}:\n  labels: {{site: test}}\n");
            var daemon = ResourcedCommand.RunAsync(Options(dir.Combine("config"), node) with { Discover = true, Socket = redBox.Options.SocketPath }, stop.Token);

            var found = await EventuallyAsync(client, node, "the discovered resources", n => Capacity(n, "nodes") is not null);

            Assert.That((Capacity(found, "cpu"), Capacity(found, "mem"), Capacity(found, "nodes")),
                Is.EqualTo((cpus.ToString(CultureInfo.InvariantCulture), $"{memoryMb}Mi", nodes.ToString(CultureInfo.InvariantCulture))));
            Assert.That((Allocatable(found, "cpu"), Label(found, "site"), Label(found, "workload-manager")),
                Is.EqualTo((cpus.ToString(CultureInfo.InvariantCulture), "test", "slurm")));
            await stop.CancelAsync();
            Assert.That(await daemon, Is.Zero);
        }
        finally
        {
            await DeleteNodeAsync(client, node);
        }
    }

    /// <summary>What sinfo says of the cluster's nodes in UP partitions, each node once: total CPUs, total memory (MB), count.</summary>
    private static async Task<(long Cpus, long MemoryMb, int Nodes)> SlurmNodesAsync()
    {
        var sinfo = await Command.RunAsync("sinfo", "--noheader", "--Node", "--format=%N %c %m %a");
        Assert.That(sinfo.Succeeded, Is.True, sinfo.StandardError);
        var nodes = sinfo.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[3] == "up")
            .DistinctBy(f => f[0])
            .ToList();
        Assert.That(nodes, Is.Not.Empty);
        return (nodes.Sum(f => long.Parse(f[1], CultureInfo.InvariantCulture)), nodes.Sum(f => long.Parse(f[2], CultureInfo.InvariantCulture)), nodes.Count);
    }
}
