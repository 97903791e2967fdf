using SlurmK8s.Slurm;
using SlurmK8s.Slurm.Parsing;

namespace SlurmK8s.Tests.Slurm;

public sealed class ScontrolFormatTests
{
    [Test]
    public void ParsePartitions_JoinsNodesToTheirPartitions()
    {
        var partitions = ScontrolFormat.ParsePartitions(Fixture.Read("redbox-scontrol-partition.txt"), Fixture.Read("redbox-scontrol-node.txt"));

        var debug = partitions.Single(p => p.Name == "debug");
        var shortPartition = partitions.Single(p => p.Name == "short");
        Assert.That(debug.IsDefault, Is.True);
        Assert.That(debug.MaxTime, Is.Null);
        Assert.That(shortPartition.MaxTime, Is.EqualTo(TimeSpan.FromMinutes(10)));
        Assert.That(debug.Nodes.Select(n => n.Name), Is.EqualTo(new[] { "n1", "n2", "n3" }));
        Assert.That(debug.Nodes.All(n => n.Cpus > 0 && n.MemoryMb > 0), Is.True);
        Assert.That(debug.TotalCpus, Is.EqualTo(debug.Nodes.Sum(n => n.Cpus)));
    }

    [Test]
    public void ParseConfig_ReadsVersionAccountingAndMinJobAge()
    {
        var config = ScontrolFormat.ParseConfig(Fixture.Read("redbox-scontrol-config.txt"));

        Assert.That(config.Version, Does.StartWith("22.05"));
        Assert.That(config.AccountingEnabled, Is.True);
        Assert.That(config.StoresJobComment, Is.True);
        Assert.That(config.MinJobAge, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(config.ClusterName, Is.Not.Empty);
    }

    [Test]
    public void ParseConfig_ReadsTheClusterAndItsController()
    {
        var config = ScontrolFormat.ParseConfig(Fixture.Read("redbox-scontrol-config.txt"));

        Assert.That((config.ClusterName, config.ControllerHost), Is.EqualTo(("slurmk8s", "vm(127.0.0.1)")));
    }

    [Test]
    public void ParseConfig_WithoutAccounting_SaysSo()
    {
        var config = ScontrolFormat.ParseConfig("AccountingStorageType   = accounting_storage/none\nSLURM_VERSION           = 22.05.8\n");

        Assert.That(config.AccountingEnabled, Is.False);
    }

    [Test]
    public void KeyValueLine_ValuesWithSpaces_StayWhole()
    {
        var pairs = KeyValueLine.Parse("JobId=5 Comment=two words here JobState=RUNNING Command=/a b/c.sh");

        Assert.That(pairs["Comment"], Is.EqualTo("two words here"));
        Assert.That(pairs["JobState"], Is.EqualTo("RUNNING"));
        Assert.That(pairs["Command"], Is.EqualTo("/a b/c.sh"));
    }
}
