using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Operator;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

using SlurmK8s.Tests.Builders;

namespace SlurmK8s.Tests.Operator;

/// <summary>Who is held back for whom when companions were lost: only jobs that could take the same slot.</summary>
internal sealed class ReattachFirstTests
{
    private static V1Node Node(string name, string cluster, string ready = "True") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = BudgetBuilder.SlurmLabels(cluster) },
        Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = ready }] },
    };

    private static SlurmJob On(SlurmJob job, string? cluster)
    {
        job.Spec.NodeSelector = cluster is null ? null : new Dictionary<string, string> { ["slurm.sylabs.io/cluster"] = cluster };
        return job;
    }

    [Test]
    public void Compete_AJobThatCanRunAnywhere_WithAJobOfANodeThatIsDown_DoesNot()
    {
        // Node 2 lost: its jobs' companions cannot be placed, and hold back no one who can run on node 1.
        V1Node[] nodes = [Node("vm", "first"), Node("vm-2", "second", ready: "Unknown")];
        var lostOnTwo = On(Job("lost").WithSlurm(7, "RUNNING"), "second");

        Assert.That(ReattachFirst.Compete(On(Job("anywhere"), null), lostOnTwo, nodes), Is.False);
        Assert.That(ReattachFirst.Compete(On(Job("anywhere"), null), lostOnTwo, [Node("vm", "first"), Node("vm-2", "second")]), Is.True,
            "once node 2 is back, a job that may land there waits for the one whose slot it is");
        Assert.That(ReattachFirst.Compete(On(Job("first"), "first"), On(Job("lost1").WithSlurm(8, "RUNNING"), "first"), nodes), Is.True);
    }

    [Test]
    public void IsReattaching_OnlyAJobSlurmHasWhoseCompanionIsNotPlaced()
    {
        var inSlurm = Job().WithSlurm(7, "RUNNING");

        Assert.That(ReattachFirst.IsReattaching(inSlurm, null), Is.True);
        Assert.That(ReattachFirst.IsReattaching(inSlurm, Pod("Pending", nodeName: null)), Is.True);
        Assert.That(ReattachFirst.IsReattaching(inSlurm, Pod("Running")), Is.False);
        Assert.That(ReattachFirst.IsReattaching(Job().WithSlurm(7, "COMPLETED"), null), Is.False, "a finished job holds no slot");
        Assert.That(ReattachFirst.IsReattaching(Job(), null), Is.False, "not in Slurm: a newcomer");
    }
}
