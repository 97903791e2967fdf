using System.Globalization;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Operator;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

using SlurmK8s.Tests.Builders;

namespace SlurmK8s.Tests.Operator;

/// <summary>A newcomer's pod is made when a node it may land on has room in its budget, not before.</summary>
internal sealed class CompanionAdmissionTests
{
    private const string Cpu = "slurm.sylabs.io/cpu";
    private static readonly Dictionary<string, decimal> OneCpu = new() { [Cpu] = 1m };

    private static V1Node Node(string name, int cpus, string? cluster = null, string ready = "True")
    {
        var offered = new Dictionary<string, ResourceQuantity> { [Cpu] = new(cpus.ToString(CultureInfo.InvariantCulture)) };
        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = BudgetBuilder.SlurmLabels(cluster) },
            Status = new V1NodeStatus { Capacity = offered, Allocatable = offered, Conditions = [new V1NodeCondition { Type = "Ready", Status = ready }] },
        };
    }

    private static V1Pod Companion(string? node, int cpus, string phase = "Running", string? cluster = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = Guid.NewGuid().ToString("N") },
        Spec = new V1PodSpec
        {
            NodeName = node,
            NodeSelector = cluster is null ? null : new Dictionary<string, string> { ["slurm.sylabs.io/cluster"] = cluster },
            Containers = [new V1Container { Name = "companion", Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { [Cpu] = new(cpus.ToString(CultureInfo.InvariantCulture)) } } }],
        },
        Status = new V1PodStatus { Phase = phase },
    };

    [Test]
    public void MustWait_WhileLiveCompanionsTakeTheWholeBudget_AndNotOnceOneHasEnded()
    {
        V1Node[] nodes = [Node("vm", 2)];
        V1Pod[] full = [Companion("vm", 1), Companion(null, 1)];

        Assert.That(CompanionAdmission.MustWait(Job(), OneCpu, nodes, () => TakenRoom.Of(full)), Is.True, "one placed and one not yet placed take both CPUs");
        Assert.That(CompanionAdmission.MustWait(Job(), OneCpu, nodes, () => TakenRoom.Of([full[0], Companion("vm", 1, phase: "Succeeded")])), Is.False, "an ended companion holds nothing");
    }

    [Test]
    public void MustWait_WhenAnotherNodeItMayUseHasRoom_DoesNot()
    {
        V1Node[] nodes = [Node("vm", 1, "first"), Node("vm-2", 1, "second")];
        V1Pod[] companions = [Companion("vm", 1)];
        var onFirst = Job("first");
        onFirst.Spec.NodeSelector = new Dictionary<string, string> { ["slurm.sylabs.io/cluster"] = "first" };

        Assert.That(CompanionAdmission.MustWait(Job(), OneCpu, nodes, () => TakenRoom.Of(companions)), Is.False, "vm-2 has room");
        Assert.That(CompanionAdmission.MustWait(onFirst, OneCpu, nodes, () => TakenRoom.Of(companions)), Is.True, "its selector allows only the full node");
        Assert.That(CompanionAdmission.MustWait(Job(), OneCpu, nodes, () => TakenRoom.Of([companions[0], Companion(null, 1, cluster: "second")])), Is.True,
            "an unplaced companion that may land on vm-2 takes its room");
    }

    [Test]
    public void MustWait_AJobNoNodeCouldEverHold_OrOneAskingNothing_IsNotHeld()
    {
        V1Node[] nodes = [Node("vm", 2)];
        V1Pod[] full = [Companion("vm", 2)];

        Assert.That(CompanionAdmission.MustWait(Job(), new Dictionary<string, decimal> { [Cpu] = 8m }, nodes, () => TakenRoom.Of(full)), Is.False,
            "its pod is made and the scheduler says why it cannot be placed");
        Assert.That(CompanionAdmission.MustWait(Job(), new Dictionary<string, decimal>(), nodes, () => TakenRoom.Of(full)), Is.False);
        Assert.That(CompanionAdmission.MustWait(Job(), OneCpu, [Node("vm", 2, ready: "False")], () => TakenRoom.Of([])), Is.False, "no Ready node: nothing to wait for here");
    }

    [Test]
    public void MustWait_AJobAskingNothing_OrOneNoNodeCouldHold_DoesNotCountWhatIsTaken()
    {
        // Counting what is taken reads the pod cache: nodes without a Slurm budget (resourced not configured) must not
        // make every pass of every job pay for it.
        var counted = 0;
        TakenRoom Count() { counted++; return TakenRoom.Of([]); }
        V1Node[] nodes = [Node("vm", 2)];

        CompanionAdmission.MustWait(Job(), new Dictionary<string, decimal>(), nodes, Count);
        CompanionAdmission.MustWait(Job(), new Dictionary<string, decimal> { [Cpu] = 8m }, nodes, Count);
        var before = counted;
        CompanionAdmission.MustWait(Job(), OneCpu, nodes, Count);

        Assert.That((before, counted), Is.EqualTo((0, 1)));
    }
}
