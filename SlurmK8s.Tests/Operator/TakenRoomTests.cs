using k8s.Models;
using SlurmK8s.Operator;
using static SlurmK8s.Tests.Builders.BudgetBuilder;

namespace SlurmK8s.Tests.Operator;

/// <summary>What live companions take of each node: the placed ones of their node, the unplaced ones of each node they could land on.</summary>
internal sealed class TakenRoomTests
{
    [Test]
    public void On_APlacedPodTakesFromItsNode_AnUnplacedOneFromEveryNodeItMayLandOnAndFits_AnEndedOneFromNone()
    {
        V1Node first = CpuNode("vm", 2, "first"), second = CpuNode("vm-2", 4, "second");
        var regular = Asking(1, "placed", "vm");
        regular.Spec.Containers[0].Resources.Limits["cpu"] = new ResourceQuantity("100m");
        var taken = TakenRoom.Of([regular, Asking(1, "ended", "vm", phase: "Succeeded"), Asking(3, "second", null, cluster: "second"), Asking(3, "first", null, cluster: "first")]);

        Assert.That(taken.On(first), Is.EqualTo(new Dictionary<string, decimal> { [Cpu] = 1m }),
            "3 CPUs could never land on a node of 2, and only the slurm.sylabs.io requests count");
        Assert.That(taken.On(second), Is.EqualTo(new Dictionary<string, decimal> { [Cpu] = 3m }));
    }
}
