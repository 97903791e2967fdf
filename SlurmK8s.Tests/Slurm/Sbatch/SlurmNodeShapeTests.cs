using SlurmK8s.Slurm.Sbatch;

namespace SlurmK8s.Tests.Slurm.Sbatch;

internal sealed class SlurmNodeShapeTests
{
    private const decimal MiB = 1024 * 1024;

    [Test]
    public void FromCapacity_WhenDemoCapacity_IsOneTwoCpuNode()
    {
        var shape = SlurmNodeShape.FromCapacity(new Dictionary<string, decimal> { ["cpu"] = 6, ["mem"] = 6000 * MiB, ["nodes"] = 3, ["gpu"] = 6 });

        Assert.Multiple(() =>
        {
            Assert.That(shape.Cpus, Is.EqualTo(2));
            Assert.That(shape.MemoryMiB, Is.EqualTo(2000));
            Assert.That(shape.Gres, Is.EqualTo(new Dictionary<string, long> { ["gpu"] = 2 }));
        });
    }

    [Test]
    public void FromCapacity_WhenUnevenTotals_RoundsDown()
    {
        var shape = SlurmNodeShape.FromCapacity(new Dictionary<string, decimal> { ["cpu"] = 7, ["mem"] = 3001 * MiB, ["nodes"] = 3, ["mps"] = 2 });

        Assert.Multiple(() =>
        {
            Assert.That(shape.Cpus, Is.EqualTo(2));
            Assert.That(shape.MemoryMiB, Is.EqualTo(1000));
            Assert.That(shape.Gres, Is.Empty, "2 mps over 3 nodes is less than one per node: not known to be on each");
        });
    }

    [Test]
    public void FromCapacity_WhenNoNodeCount_IsUnknown()
    {
        var shape = SlurmNodeShape.FromCapacity(new Dictionary<string, decimal> { ["cpu"] = 6, ["mem"] = 6000 * MiB });

        Assert.That(shape, Is.SameAs(SlurmNodeShape.Unknown));
    }

    [Test]
    public void Smallest_WhenNodesDiffer_TakesTheSmallestOfEachAndOnlyWhatAllKnow()
    {
        var small = new SlurmNodeShape(2, 4000, new Dictionary<string, long> { ["gpu"] = 4 });
        var large = new SlurmNodeShape(8, 1000, new Dictionary<string, long> { ["gpu"] = 2, ["mps"] = 100 });
        var noMemory = new SlurmNodeShape(16, null, new Dictionary<string, long> { ["gpu"] = 8 });

        var shape = SlurmNodeShape.Smallest([small, large, noMemory]);

        Assert.Multiple(() =>
        {
            Assert.That(shape.Cpus, Is.EqualTo(2));
            Assert.That(shape.MemoryMiB, Is.Null);
            Assert.That(shape.Gres, Is.EqualTo(new Dictionary<string, long> { ["gpu"] = 2 }));
        });
    }

    [Test]
    public void Smallest_WhenNoNodes_IsUnknown() => Assert.That(SlurmNodeShape.Smallest([]), Is.SameAs(SlurmNodeShape.Unknown));
}
