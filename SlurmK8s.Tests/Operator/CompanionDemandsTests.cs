using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Operator;
using static SlurmK8s.Tests.Builders.BudgetBuilder;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

namespace SlurmK8s.Tests.Operator;

/// <summary>A job's script is parsed once per version of what its companion's requests depend on, not once per pass.</summary>
internal sealed class CompanionDemandsTests
{
    private const string Key = "default/cow";
    private int _workedOut;
    private CompanionDemands _demands = null!;

    [SetUp]
    public void SetUp()
    {
        _workedOut = 0;
        _demands = new CompanionDemands((job, nodes) =>
        {
            _workedOut++;
            return CompanionDemand.Of(job, nodes);
        });
    }

    private static V1Node NotReady(V1Node node)
    {
        node.Status.Conditions = [new V1NodeCondition { Type = "Ready", Status = "False" }];
        return node;
    }

    private static SlurmJob TwoCpus() => Job("cow", "#!/bin/sh\n#SBATCH --cpus-per-task=2\ntrue\n");

    [Test]
    public void For_AStatusOnlyChange_OrANodesHeartbeat_KeepsTheDemand()
    {
        var job = TwoCpus();
        var first = _demands.For(Key, job, [CpuNode("vm", 6)], nodesVersion: 1);

        var reported = job.WithSlurm(7, "RUNNING");   // a status write: a new resourceVersion, the same generation
        reported.Metadata.ResourceVersion = "99";
        var again = _demands.For(Key, reported, [NotReady(CpuNode("vm", 6, version: "2"))], nodesVersion: 2);

        Assert.That(again, Is.SameAs(first));
        Assert.That(_workedOut, Is.EqualTo(1));
        Assert.That(first.Amounts["slurm.sylabs.io/cpu"], Is.EqualTo(2m));
    }

    [Test]
    public void For_ASpecChange_ARecreatedJob_OrNodesOfAnotherShape_WorkItOutAgain()
    {
        var job = TwoCpus();
        _demands.For(Key, job, [CpuNode("vm", 6)], nodesVersion: 1);

        var edited = Job("cow", "#!/bin/sh\n#SBATCH --cpus-per-task=4\ntrue\n");
        edited.Metadata.Generation = 2;
        var fourCpus = _demands.For(Key, edited, [CpuNode("vm", 6)], nodesVersion: 1);
        var recreated = TwoCpus();
        recreated.Metadata.Uid = "uid-cow-2";
        recreated.Metadata.Generation = 2;
        var asNew = _demands.For(Key, recreated, [CpuNode("vm", 6)], nodesVersion: 1);
        var onABiggerNode = _demands.For(Key, recreated, [CpuNode("vm", 16, version: "2")], nodesVersion: 2);

        Assert.That(fourCpus.Amounts["slurm.sylabs.io/cpu"], Is.EqualTo(4m));
        Assert.That(asNew.Amounts["slurm.sylabs.io/cpu"], Is.EqualTo(2m));
        Assert.That(onABiggerNode, Is.Not.SameAs(asNew));
        Assert.That(_workedOut, Is.EqualTo(4));
    }

    [Test]
    public void For_AJobForgotten_OrOneWithoutAGeneration_IsWorkedOutEachTime()
    {
        var job = TwoCpus();
        _demands.For(Key, job, [CpuNode("vm", 6)], nodesVersion: 1);
        _demands.Forget(Key);
        _demands.For(Key, job, [CpuNode("vm", 6)], nodesVersion: 1);
        job.Metadata.Generation = null;
        _demands.For(Key, job, [CpuNode("vm", 6)], nodesVersion: 1);
        _demands.For(Key, job, [CpuNode("vm", 6)], nodesVersion: 1);

        Assert.That(_workedOut, Is.EqualTo(4));
    }
}
