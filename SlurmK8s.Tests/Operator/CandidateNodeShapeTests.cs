using k8s.Models;
using SlurmK8s.Operator;

namespace SlurmK8s.Tests.Operator;

internal sealed class CandidateNodeShapeTests
{
    [Test]
    public void Of_WhenNodesAdvertiseSlurmNodes_IsTheSmallestSlurmNode()
    {
        V1Node Node(params (string Key, string Value)[] capacity) => new()
        {
            Status = new V1NodeStatus { Capacity = capacity.ToDictionary(c => c.Key, c => new ResourceQuantity(c.Value)) },
        };

        var shape = CandidateNodeShape.Of(
        [
            Node(("slurm.sylabs.io/cpu", "6"), ("slurm.sylabs.io/mem", "6000Mi"), ("slurm.sylabs.io/nodes", "3"), ("cpu", "64")),
            Node(("slurm.sylabs.io/cpu", "96"), ("slurm.sylabs.io/mem", "3k"), ("slurm.sylabs.io/nodes", "24")),   // canonicalized as the API server stores it
            Node(("slurm.sylabs.io/cpu", "1")),                                                                   // no node count: says nothing about a node
            new V1Node(),
        ]);

        Assert.Multiple(() =>
        {
            Assert.That(shape.Cpus, Is.EqualTo(2), "min(6/3, 96/24)");
            Assert.That(shape.MemoryMiB, Is.Null, "3000 bytes over 24 nodes is not a whole MiB each: unknown");
        });
    }

    [Test]
    public void Of_WhenNoNodeAdvertisesANodeCount_IsUnknown()
    {
        var shape = CandidateNodeShape.Of([new V1Node { Status = new V1NodeStatus { Capacity = new Dictionary<string, ResourceQuantity> { ["slurm.sylabs.io/cpu"] = new("6") } } }]);

        Assert.That(shape.Cpus, Is.Null);
    }
}
