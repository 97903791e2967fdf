using System.Globalization;
using k8s.Models;
using SlurmK8s.Operator;

namespace SlurmK8s.Tests.Operator;

/// <summary>What live companions take of each node: the placed ones of their node, the unplaced ones of each node they could land on.</summary>
internal sealed class TakenRoomTests
{
    private const string Cpu = "slurm.sylabs.io/cpu";

    private static V1Node Node(string name, int cpus, string cluster) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["slurm.sylabs.io/cluster"] = cluster } },
        Status = new V1NodeStatus { Allocatable = new Dictionary<string, ResourceQuantity> { [Cpu] = new(cpus.ToString(CultureInfo.InvariantCulture)) } },
    };

    private static V1Pod Companion(string? node, int cpus, string? cluster = null, string phase = "Running") => new()
    {
        Metadata = new V1ObjectMeta { Name = Guid.NewGuid().ToString("N") },
        Spec = new V1PodSpec
        {
            NodeName = node,
            NodeSelector = cluster is null ? null : new Dictionary<string, string> { ["slurm.sylabs.io/cluster"] = cluster },
            Containers =
            [
                new V1Container
                {
                    Name = "companion",
                    Resources = new V1ResourceRequirements
                    {
                        Limits = new Dictionary<string, ResourceQuantity> { [Cpu] = new(cpus.ToString(CultureInfo.InvariantCulture)), ["cpu"] = new("100m") },
                    },
                },
            ],
        },
        Status = new V1PodStatus { Phase = phase },
    };

    [Test]
    public void On_APlacedPodTakesFromItsNode_AnUnplacedOneFromEveryNodeItMayLandOnAndFits_AnEndedOneFromNone()
    {
        V1Node first = Node("vm", 2, "first"), second = Node("vm-2", 4, "second");
        var taken = TakenRoom.Of([Companion("vm", 1), Companion("vm", 1, phase: "Succeeded"), Companion(null, 3, cluster: "second"), Companion(null, 3, cluster: "first")]);

        Assert.That(taken.On(first), Is.EqualTo(new Dictionary<string, decimal> { [Cpu] = 1m }), "3 CPUs could never land on a node of 2");
        Assert.That(taken.On(second), Is.EqualTo(new Dictionary<string, decimal> { [Cpu] = 3m }), "only the slurm.sylabs.io requests count");
    }
}
