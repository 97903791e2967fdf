using k8s.Models;
using SlurmK8s.Operator;
using SlurmK8s.Tests.Builders;

namespace SlurmK8s.Tests.Operator;

/// <summary>One rule for "room on this node": could it ever hold these requests (nothing taken), and does it now.</summary>
internal sealed class NodeSelectionTests
{
    private const string Cpu = "slurm.sylabs.io/cpu";
    private const string Mem = "slurm.sylabs.io/mem";

    private static V1Node Node(Dictionary<string, ResourceQuantity>? allocatable, Dictionary<string, ResourceQuantity>? capacity = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "vm" },
        Status = new V1NodeStatus { Allocatable = allocatable, Capacity = capacity },
    };

    [Test]
    public void HasRoom_CountsWhatIsTakenAgainstTheAllocatable_AndFitsIsTheCaseWithNothingTaken()
    {
        var node = Node(new() { [Cpu] = new("4"), [Mem] = new("2000") }, capacity: new() { [Cpu] = new("8") });
        var twoCpus = new Dictionary<string, decimal> { [Cpu] = 2m };

        Assert.That(NodeSelection.HasRoom(twoCpus, node, new Dictionary<string, decimal> { [Cpu] = 2m }), Is.True, "2 + 2 of 4");
        Assert.That(NodeSelection.HasRoom(twoCpus, node, new Dictionary<string, decimal> { [Cpu] = 3m }), Is.False, "the allocatable counts, not the capacity");
        Assert.That(NodeSelection.HasRoom(twoCpus, node, new Dictionary<string, decimal> { [Mem] = 2000m }), Is.True, "what it does not ask is not looked at");
        Assert.That(NodeSelection.Fits(new Dictionary<string, decimal> { [Cpu] = 4m }, node), Is.True);
        Assert.That(NodeSelection.Fits(new Dictionary<string, decimal> { [Cpu] = 5m }, node), Is.False);
        Assert.That(NodeSelection.Fits(new Dictionary<string, decimal> { ["slurm.sylabs.io/gpu"] = 1m }, node), Is.False, "a resource the node does not offer");
    }

    [Test]
    public void HasRoom_ANodeOfferingNothing_HoldsOnlyAJobAskingNothing()
    {
        Assert.That(NodeSelection.Fits(new Dictionary<string, decimal> { [Cpu] = 1m }, Node(null)), Is.False);
        Assert.That(NodeSelection.Fits(new Dictionary<string, decimal>(), Node(null)), Is.True);
        Assert.That(NodeSelection.Fits(new Dictionary<string, decimal> { [Cpu] = 1m }, Node(null, capacity: new() { [Cpu] = new("1") })), Is.True,
            "the capacity when no allocatable is reported");
    }

    [Test]
    public void Allows_OnlyANodeLabelledAsSlurms_WhereTheCompanionPodCanLand_AndItsSelectorsLabels()
    {
        var job = SlurmJobBuilder.Job("cow");
        job.Spec.NodeSelector = new Dictionary<string, string> { ["slurm.sylabs.io/cluster"] = "big" };
        V1Node Labelled(Dictionary<string, string>? labels) => new() { Metadata = new V1ObjectMeta { Name = "vm", Labels = labels } };

        Assert.That(NodeSelection.Allows(job, Labelled(BudgetBuilder.SlurmLabels("big"))), Is.True);
        Assert.That(NodeSelection.Allows(job, Labelled(new() { ["slurm.sylabs.io/cluster"] = "big" })), Is.False,
            "a budget on a node without the Slurm label: the pod's selector keeps it off, so admission must not count it");
        Assert.That(NodeSelection.Allows(job, Labelled(BudgetBuilder.SlurmLabels("small"))), Is.False);
        Assert.That(NodeSelection.Allows(job, Labelled(null)), Is.False);
        Assert.That(CompanionPod.NodeSelectorFor(job).All(l => BudgetBuilder.SlurmLabels("big")[l.Key] == l.Value), "the same labels as the pod's selector");
    }
}
