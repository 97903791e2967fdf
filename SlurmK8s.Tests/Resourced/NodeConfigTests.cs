using SlurmK8s.Resourced;

namespace SlurmK8s.Tests.Resourced;

internal sealed class NodeConfigTests
{
    // The seed's README example, verbatim (the `config` key of its slurm-config ConfigMap).
    private const string SeedExample = """
        node01:
          resources:
            cpu: 24
          labels:
            cuda: 10.0
            containers: singularity
        """;

    [Test]
    public void Parse_SeedExample_KeepsLabelTextAsWritten()
    {
        var config = NodeConfig.Parse(SeedExample);

        var node = config.For("node01");
        Assert.That(node, Is.Not.Null);
        Assert.That(node!.Resources, Is.EqualTo(new Dictionary<string, string> { ["cpu"] = "24" }));
        Assert.That(node.Labels, Is.EqualTo(new Dictionary<string, string> { ["cuda"] = "10.0", ["containers"] = "singularity" }));
        Assert.That(config.For("node02"), Is.Null);
    }

    [Test]
    public void Parse_SeveralNodesAndEmptyParts_EachNodeGetsItsOwn()
    {
        var config = NodeConfig.Parse("""
            a:
              resources: {cpu: 4, mem: 64Gi, gpu: "2"}
            b:
              labels:
                infiniband: "yes"
                flag:
            c:
            """);

        Assert.That(config.Nodes.Keys, Is.EquivalentTo(new[] { "a", "b", "c" }));
        Assert.That(config.For("a")!.Resources["mem"], Is.EqualTo("64Gi"));
        Assert.That(config.For("a")!.Labels, Is.Empty);
        Assert.That(config.For("b")!.Labels, Is.EqualTo(new Dictionary<string, string> { ["infiniband"] = "yes", ["flag"] = "" }));
        Assert.That(config.For("c")!.Resources, Is.Empty);
    }

    [TestCase("1Ki")]
    [TestCase("2k")]
    [TestCase("1e3")]
    [TestCase("64Gi")]
    [TestCase("0")]
    public void Parse_WholeQuantities_Accepted(string quantity) =>
        Assert.That(NodeConfig.Parse($"n:\n  resources:\n    x: {quantity}\n").For("n")!.Resources["x"], Is.EqualTo(quantity));

    [TestCase("")]
    [TestCase("# nothing here yet\n")]
    public void Parse_EmptyFile_NamesNoNodes(string yaml) =>
        Assert.That(NodeConfig.Parse(yaml).Nodes, Is.Empty);

    private static IEnumerable<TestCaseData> BadFiles()
    {
        yield return new TestCaseData("node01:\n  resources:\n    cpu: lots\n", new[] { "node01", "resources.cpu", "'lots'", "whole number" }).SetName("quantity not a number");
        yield return new TestCaseData("node01:\n  resources:\n    cpu: 1.5\n", new[] { "node01", "resources.cpu", "'1.5'", "whole number" }).SetName("quantity fractional");
        yield return new TestCaseData("node01:\n  resources:\n    cpu: 500m\n", new[] { "node01", "resources.cpu", "'500m'", "whole number" }).SetName("quantity in milli-units");
        yield return new TestCaseData("node01:\n  resources:\n    cpu: -4\n", new[] { "node01", "resources.cpu", "negative" }).SetName("quantity negative");
        yield return new TestCaseData("node01:\n  resources:\n    cpu:\n", new[] { "node01", "resources.cpu", "no quantity", "remove the key" }).SetName("quantity missing");
        yield return new TestCaseData("node01:\n  resources:\n    cpu: 2 4\n", new[] { "node01", "resources.cpu", "'2 4'" }).SetName("quantity with a space");
        yield return new TestCaseData("node01:\n  resources:\n    cpu: 1.2.3\n", new[] { "node01", "resources.cpu", "'1.2.3'" }).SetName("quantity with two points");
        yield return new TestCaseData("node01:\n  resources:\n    cpu: 4 cores\n", new[] { "node01", "resources.cpu", "'4 cores'" }).SetName("quantity with a word");
        yield return new TestCaseData("node01:\n  resources:\n    big cpu: 4\n", new[] { "node01", "resources.big cpu", "not a valid name" }).SetName("resource name with a space");
        yield return new TestCaseData("node01:\n  labels:\n    cuda: 10 0\n", new[] { "node01", "labels.cuda", "'10 0'", "not a valid label value" }).SetName("label value with a space");
        yield return new TestCaseData("node01:\n  labels:\n    cuda: " + new string('9', 64) + "\n", new[] { "node01", "labels.cuda", "at most 63" }).SetName("label value too long");
        yield return new TestCaseData("node01:\n  labels:\n    -cuda: x\n", new[] { "node01", "labels.-cuda", "not a valid name" }).SetName("label name starting with a dash");
        yield return new TestCaseData("node01:\n  labels:\n    slurm.sylabs.io/cuda: x\n", new[] { "node01", "labels.slurm.sylabs.io/cuda", "write 'cuda'" }).SetName("label name already prefixed");
        yield return new TestCaseData("node01:\n  labels:\n    workload-manager: pbs\n", new[] { "node01", "labels.workload-manager", "remove this key" }).SetName("workload-manager label");
        yield return new TestCaseData("node01:\n  resource:\n    cpu: 4\n", new[] { "line 2", "unknown key 'resource'", "'resources' and 'labels'" }).SetName("unknown key in an entry");
        yield return new TestCaseData("node01:\n  resources:\n    cpu: 4\n   labels: {}\n", new[] { "line 4" }).SetName("YAML indentation error");
        yield return new TestCaseData("node01:\n  labels:\n    cuda: [10, 11]\n", new[] { "line 3", "single value" }).SetName("list where a value belongs");
        yield return new TestCaseData("- node01\n", new[] { "line 1", "node names" }).SetName("a list instead of a map");
        yield return new TestCaseData("node01:\n  labels: {a: x}\nnode01:\n  labels: {a: y}\n", new[] { "'node01' appears twice" }).SetName("a node named twice");
        yield return new TestCaseData("node01:\n\tlabels: {a: x}\n", new[] { "tab" }).SetName("tab indentation");
        yield return new TestCaseData("ok:\n  resources: {cpu: 1}\nbad:\n  resources: {cpu: x}\n", new[] { "bad", "resources.cpu" }).SetName("another node's entry is bad");
    }

    [TestCaseSource(nameof(BadFiles))]
    public void Parse_BadFile_ThrowsNamingTheKeyAndTheFix(string yaml, string[] expectedParts)
    {
        var error = Assert.Throws<NodeConfigException>(() => NodeConfig.Parse(yaml));

        foreach (var part in expectedParts)
        {
            Assert.That(error!.Message, Does.Contain(part));
        }
    }
}
