using SlurmK8s.Resourced;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Resourced;

internal sealed class PartitionResourcesTests
{
    [Test]
    public void From_TwoPartitionsSharingNodes_CountsEachNodeOnce()
    {
        // The shape of the test Slurm (scripts/slurm.sh): n1..n3, 2 CPUs and 2000 MB each, in both debug and short.
        var nodes = new[] { Node("n1", 2, 2000), Node("n2", 2, 2000), Node("n3", 2, 2000) };

        var resources = PartitionResources.From([Partition("debug", "UP", nodes), Partition("short", "UP", nodes)]);

        Assert.That(resources, Is.EqualTo(new Dictionary<string, string> { ["cpu"] = "6", ["mem"] = "6000Mi", ["nodes"] = "3" }));
    }

    [Test]
    public void From_DownPartition_ItsOwnNodesDoNotCount()
    {
        var resources = PartitionResources.From([
            Partition("debug", "UP", [Node("n1", 4, 1000)]),
            Partition("old", "DOWN", [Node("n1", 4, 1000), Node("n9", 64, 500000)]),
        ]);

        Assert.That(resources, Is.EqualTo(new Dictionary<string, string> { ["cpu"] = "4", ["mem"] = "1000Mi", ["nodes"] = "1" }));
    }

    [Test]
    public void From_Gres_SummedPerNameWhateverTheType()
    {
        var resources = PartitionResources.From([Partition("gpu", "UP", [
            Node("g1", 8, 1000, "gpu:tesla:2(S:0-1)"),
            Node("g2", 8, 1000, "gpu:a100:1", "mps:1K"),
            Node("g3", 8, 1000, "cpu:4", "bad name:2"),
        ])]);

        Assert.That(resources, Is.EqualTo(new Dictionary<string, string>
        {
            ["cpu"] = "24", ["mem"] = "3000Mi", ["nodes"] = "3", ["gpu"] = "3", ["mps"] = "1024",
        }), "a GRES named like one of ours (cpu) or not a valid name is left out");
    }

    [Test]
    public void From_NoPartitions_NoResources() =>
        Assert.That(PartitionResources.From([]), Is.Empty);

    private static Proto.Partition Partition(string name, string state, Proto.Node[] nodes)
    {
        var partition = new Proto.Partition { Name = name, State = state, TotalNodes = nodes.Length, TotalCpus = nodes.Sum(n => n.Cpus) };
        partition.Nodes.AddRange(nodes);
        return partition;
    }

    private static Proto.Node Node(string name, int cpus, long memoryMb, params string[] gres)
    {
        var node = new Proto.Node { Name = name, State = "IDLE", Cpus = cpus, MemoryMb = memoryMb };
        node.Gres.AddRange(gres);
        return node;
    }
}
