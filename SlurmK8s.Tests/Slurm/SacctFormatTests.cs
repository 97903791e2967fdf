using SlurmK8s.Slurm;
using SlurmK8s.Slurm.Parsing;

namespace SlurmK8s.Tests.Slurm;

public sealed class SacctFormatTests
{
    private static readonly IReadOnlyList<JobRecord> Rows = SacctFormat.ParseJobs(Fixture.Read("redbox-sacct.txt"));

    [TestCase("completed", "Completed", 0)]
    [TestCase("failed", "Failed", 3)]
    [TestCase("held", "Pending", 0)]
    [TestCase("cancelled", "Cancelled", 0)]
    public void ParseJobs_ReadsStateAndExitCodeFromTheTextFormat(string situation, string state, int exit)
    {
        var row = Rows.Single(r => r.JobId == Fixture.Id(situation));

        Assert.That((row.State, row.ExitCode), Is.EqualTo((Enum.Parse<JobState>(state), exit)));
    }

    [Test]
    public void ParseJobs_CancelledBy_KeepsTheBaseStateWordAndWhoInTheReason()
    {
        var row = Rows.Single(r => r.JobId == Fixture.Id("cancelled"));

        Assert.That(row.SlurmState, Is.EqualTo("CANCELLED"));
        Assert.That(row.Reason, Is.EqualTo("CANCELLED by 0"));
    }

    [Test]
    public void ParseJobs_ReadsTheIdempotencyComment() =>
        Assert.That(Rows.Single(r => r.JobId == Fixture.Id("completed")).Comment, Is.EqualTo("slurmk8s-key=fixture-completed"));

    [Test]
    public void ParseJobs_ArrayTasks_MapRawIdsToTheArray()
    {
        var arrayId = Fixture.Id("array");
        var tasks = Rows.Where(r => r.ArrayJobId == arrayId).OrderBy(r => r.ArrayTaskId).ToList();

        Assert.That(tasks.Select(t => t.ArrayTaskId), Is.EqualTo(new long?[] { 1, 2, 3 }));
        Assert.That(tasks.Select(t => t.State), Is.EqualTo(new[] { JobState.Completed, JobState.Failed, JobState.Completed }));
        Assert.That(tasks.Single(t => t.ArrayTaskId == 3).JobId, Is.EqualTo(arrayId), "the last task keeps the array's id");
    }

    [Test]
    public void ParseJobs_PendingArray_ListsItsTaskRange()
    {
        var held = Rows.Single(r => r.JobId == Fixture.Id("array_held"));

        Assert.That(held.PendingArrayTasks, Is.EqualTo("1-3%2"));
    }

    [Test]
    public void ParseJobs_UnknownTimesAndNodes_AreEmpty()
    {
        var held = Rows.Single(r => r.JobId == Fixture.Id("held"));

        Assert.That(held.StartTime, Is.Null);
        Assert.That(held.NodeList, Is.Empty, "'None assigned'");
        Assert.That(held.TimeLimit, Is.Null, "'Partition_Limit'");
    }

    [Test]
    public void ParseSteps_ListsTheStepsButNotTheJob()
    {
        var steps = SacctFormat.ParseSteps(Fixture.Read("redbox-sacct-steps.txt"));
        var id = Fixture.Id("completed");

        Assert.That(steps.Select(s => s.StepId), Does.Contain($"{id}.batch"));
        Assert.That(steps.Select(s => s.StepId), Does.Not.Contain($"{id}"));
        Assert.That(steps.Single(s => s.StepId == $"{id}.batch").State, Is.EqualTo(JobState.Completed));
    }
}
