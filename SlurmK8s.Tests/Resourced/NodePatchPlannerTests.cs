using SlurmK8s.Resourced;

namespace SlurmK8s.Tests.Resourced;

internal sealed class NodePatchPlannerTests
{
    private const string Wm = "slurm.sylabs.io/workload-manager";

    private static readonly NodeSettings Seed = Settings(resources: ["cpu=24"], labels: ["cuda=10.0", "containers=singularity"]);

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(Node(labels: ["kubernetes.io/hostname=n1"], capacity: ["cpu=2", "memory=4Gi"]), Seed,
                "labels +slurm.sylabs.io/containers=singularity +slurm.sylabs.io/cuda=10.0 +slurm.sylabs.io/workload-manager=slurm; "
                + "capacity +slurm.sylabs.io/cpu=24; allocatable +slurm.sylabs.io/cpu=24")
            .SetName("fresh node gets the labels, workload-manager and the resource in capacity and allocatable");

        yield return new TestCaseData(Node(labels: ["slurm.sylabs.io/cuda=10.0", "slurm.sylabs.io/containers=singularity", $"{Wm}=slurm"],
                capacity: ["slurm.sylabs.io/cpu=24"]), Seed, "no change")
            .SetName("node already right is a no-op");

        yield return new TestCaseData(Node(labels: [$"{Wm}=slurm"], capacity: ["slurm.sylabs.io/mem=2Gi"]),
                Settings(resources: ["mem=2048Mi"]), "no change")
            .SetName("same amount written differently is a no-op");

        yield return new TestCaseData(Node(labels: ["slurm.sylabs.io/cuda=9.2", "slurm.sylabs.io/containers=singularity", $"{Wm}=slurm"],
                capacity: ["slurm.sylabs.io/cpu=8"]), Seed,
                "labels +slurm.sylabs.io/cuda=10.0; capacity +slurm.sylabs.io/cpu=24; allocatable +slurm.sylabs.io/cpu=24")
            .SetName("changed label value and quantity are set");

        yield return new TestCaseData(Node(labels: ["slurm.sylabs.io/cuda=10.0", "slurm.sylabs.io/containers=singularity", "slurm.sylabs.io/infiniband=yes", $"{Wm}=slurm"],
                capacity: ["slurm.sylabs.io/cpu=24", "slurm.sylabs.io/gpu=2"]), Seed,
                "labels -slurm.sylabs.io/infiniband; capacity -slurm.sylabs.io/gpu; allocatable -slurm.sylabs.io/gpu")
            .SetName("label and resource gone from the config are removed");

        yield return new TestCaseData(Node(labels: ["kubernetes.io/hostname=n1", "slurm.sylabs.io/cuda=10.0", $"{Wm}=slurm"],
                capacity: ["cpu=2", "slurm.sylabs.io/cpu=24"]), null,
                $"labels -slurm.sylabs.io/cuda -{Wm}; capacity -slurm.sylabs.io/cpu; allocatable -slurm.sylabs.io/cpu")
            .SetName("node not in the config loses everything of ours, workload-manager too, and nothing else");

        yield return new TestCaseData(Node(labels: ["kubernetes.io/hostname=n1", "slurm.sylabs.io.example/x=y"], capacity: ["cpu=2"]), null, "no change")
            .SetName("node not in the config with nothing of ours is a no-op");

        yield return new TestCaseData(Node(labels: [$"{Wm}=slurm"], capacity: []), NodeSettings.Empty, "no change")
            .SetName("node named with an empty entry keeps only workload-manager");

        yield return new TestCaseData(Node(labels: ["slurm.sylabs.io/cuda=10.0", "slurm.sylabs.io/containers=singularity", $"{Wm}=slurm"],
                capacity: ["slurm.sylabs.io/cpu=24"], allocatable: ["slurm.sylabs.io/cpu=0"]), Seed, "allocatable +slurm.sylabs.io/cpu=24")
            .SetName("allocatable that drifted from capacity is set alone");

        yield return new TestCaseData(Node(labels: [$"{Wm}=pbs"], capacity: []), NodeSettings.Empty, $"labels +{Wm}=slurm")
            .SetName("workload-manager with another value is corrected");

        yield return new TestCaseData(Node(labels: ["example.com/cuda=10.0"], capacity: ["example.com/cpu=4"]), null, "no change")
            .SetName("other prefixes are never touched");
    }

    [TestCaseSource(nameof(Cases))]
    public void Plan_FromNodeAndSettings_GivesTheChanges(NodeSnapshot node, NodeSettings? desired, string expected) =>
        Assert.That(NodePatchPlanner.Plan(node, desired).ToString(), Is.EqualTo(expected));

    [Test]
    public void Plan_Removal_IsNullInMergePatchTerms()
    {
        var plan = NodePatchPlanner.Plan(Node(labels: ["slurm.sylabs.io/old=x"], capacity: ["slurm.sylabs.io/old=1"]), null);

        Assert.That(plan.Labels, Is.EqualTo(new Dictionary<string, string?> { ["slurm.sylabs.io/old"] = null }));
        Assert.That(plan.Capacity, Is.EqualTo(new Dictionary<string, string?> { ["slurm.sylabs.io/old"] = null }));
        Assert.That(plan.Allocatable, Is.EqualTo(new Dictionary<string, string?> { ["slurm.sylabs.io/old"] = null }));
        Assert.That(plan.IsEmpty, Is.False);
    }

    [Test]
    public void Compose_DiscoveredUnderConfigured_ConfiguredResourceWins()
    {
        var configured = Settings(resources: ["cpu=4"], labels: ["cuda=10.0"]);

        var composed = NodeSettings.Compose(configured, new Dictionary<string, string> { ["cpu"] = "6", ["nodes"] = "3" });

        Assert.That(composed!.Resources, Is.EqualTo(new Dictionary<string, string> { ["cpu"] = "4", ["nodes"] = "3" }));
        Assert.That(composed.Labels, Is.EqualTo(configured.Labels));
        Assert.That(NodeSettings.Compose(null, new Dictionary<string, string> { ["cpu"] = "6" })!.Labels, Is.Empty);
        Assert.That(NodeSettings.Compose(null, null), Is.Null);
        Assert.That(NodeSettings.Compose(configured, null), Is.SameAs(configured));
    }

    /// <summary>A node; allocatable defaults to capacity, as the kubelet keeps it.</summary>
    private static NodeSnapshot Node(string[] labels, string[] capacity, string[]? allocatable = null) =>
        new("n1", "uid-1", Pairs(labels), Pairs(capacity), Pairs(allocatable ?? capacity));

    private static NodeSettings Settings(string[]? resources = null, string[]? labels = null) =>
        new(Pairs(resources ?? []), Pairs(labels ?? []));

    private static Dictionary<string, string> Pairs(string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}
