using SlurmK8s.RedBox;
using SlurmK8s.Slurm;
using SlurmK8s.Slurm.Parsing;

namespace SlurmK8s.Tests.Slurm;

public sealed class JobSnapshotTests
{
    private static readonly IReadOnlyList<JobRecord> Rows = SqueueFormat.Parse(Fixture.Read("redbox-squeue.txt"));

    [Test]
    public void Compose_FinishedArray_HasEveryTaskAndFailsIfOneFailed()
    {
        var snapshot = JobSnapshot.Compose(Fixture.Id("array"), Rows)!;

        Assert.That(snapshot.Tasks.Select(t => t.ArrayTaskId), Is.EqualTo(new long?[] { 1, 2, 3 }));
        Assert.That(snapshot.Job.State, Is.EqualTo(JobState.Failed));
        Assert.That(snapshot.Job.ExitCode, Is.EqualTo(1));
        Assert.That(snapshot.IsFinished, Is.True);
    }

    [Test]
    public void Compose_Array_FillsEachStartedTasksRealOutputFile()
    {
        var arrayId = Fixture.Id("array");
        var snapshot = JobSnapshot.Compose(arrayId, Rows)!;

        Assert.That(snapshot.Tasks.Select(t => Path.GetFileName(t.StdOut)), Is.EqualTo(new[] { $"slurm-{arrayId}_1.out", $"slurm-{arrayId}_2.out", $"slurm-{arrayId}_3.out" }));
        Assert.That(snapshot.Tasks.All(t => Path.GetDirectoryName(t.StdOut) == snapshot.Job.WorkDir), Is.True);
        Assert.That(Path.GetFileName(snapshot.Job.StdOut), Is.EqualTo($"slurm-{arrayId}_1.out"), "the array's: its first task's");
    }

    [Test]
    public void Compose_PendingArray_HasNoTaskOutputYet()
    {
        var snapshot = JobSnapshot.Compose(Fixture.Id("array_held"), Rows)!;

        Assert.That(snapshot.Tasks.Select(t => t.StdOut), Is.All.Empty);
    }

    [Test]
    public void Compose_FromAccounting_FillsSlurmsDefaultName()
    {
        var rows = new[] { new JobRecord { JobId = 7, State = JobState.Completed, WorkDir = "/jobs/a" } };

        Assert.That(JobSnapshot.Compose(7, rows)!.Job.StdOut, Is.EqualTo("/jobs/a/slurm-7.out"));
    }

    [Test]
    public void KeepingOutputPathsOf_KeepsThePathSqueueShowedOnceOnlyAccountingKnowsTheJob()
    {
        var seen = JobSnapshot.Compose(7, [new JobRecord { JobId = 7, State = JobState.Running, WorkDir = "/jobs/a", StdOut = "/jobs/a/custom.txt" }])!;
        var accounted = JobSnapshot.Compose(7, [new JobRecord { JobId = 7, State = JobState.Completed, WorkDir = "/jobs/a" }])!;

        Assert.That(accounted.KeepingOutputPathsOf(seen).Job.StdOut, Is.EqualTo("/jobs/a/custom.txt"));
        Assert.That(accounted.KeepingOutputPathsOf(null).Job.StdOut, Is.EqualTo("/jobs/a/slurm-7.out"));
    }

    [Test]
    public void Compose_PendingArray_ExpandsItsTasks()
    {
        var snapshot = JobSnapshot.Compose(Fixture.Id("array_held"), Rows)!;

        Assert.That(snapshot.Tasks.Select(t => t.ArrayTaskId), Is.EqualTo(new long?[] { 1, 2, 3 }));
        Assert.That(snapshot.Tasks.All(t => t.State == JobState.Pending), Is.True);
        Assert.That(snapshot.Job.State, Is.EqualTo(JobState.Pending));
        Assert.That(snapshot.IsFinished, Is.False);
    }

    [Test]
    public void Compose_ArrayWithOneTaskStillRunning_IsRunning()
    {
        var rows = new[]
        {
            new JobRecord { JobId = 11, ArrayJobId = 10, ArrayTaskId = 1, State = JobState.Completed },
            new JobRecord { JobId = 10, ArrayJobId = 10, ArrayTaskId = 2, State = JobState.Running },
        };

        var snapshot = JobSnapshot.Compose(10, rows)!;

        Assert.That(snapshot.Job.State, Is.EqualTo(JobState.Running));
        Assert.That(snapshot.Job.EndTime, Is.Null);
    }

    [Test]
    public void Compose_ArrayAllCompleted_IsCompleted()
    {
        var rows = Enumerable.Range(1, 3).Select(i => new JobRecord { JobId = 20 + i, ArrayJobId = 20, ArrayTaskId = i, State = JobState.Completed });

        Assert.That(JobSnapshot.Compose(20, rows)!.Job.State, Is.EqualTo(JobState.Completed));
    }

    [Test]
    public void ComposeAll_AnswersEachIdAsComposeDoes()
    {
        var arrayId = Fixture.Id("array");
        var taskOwnId = Rows.First(r => r.ArrayJobId == arrayId && r.JobId != arrayId).JobId;
        long[] ids = [arrayId, taskOwnId, Fixture.Id("failed"), Fixture.Id("array_held"), 999_999];

        var all = JobSnapshot.ComposeAll(ids, Rows);

        foreach (var id in ids)
        {
            Assert.That(all[id]?.ChangeKey, Is.EqualTo(JobSnapshot.Compose(id, Rows)?.ChangeKey), $"job {id}");
        }
        Assert.That(all[taskOwnId]!.Job.ArrayTaskId, Is.Not.Null, "a task asked for by its own id is that task");
    }

    [Test]
    public void Compose_NoRowForTheJob_IsNull() => Assert.That(JobSnapshot.Compose(999_999, Rows), Is.Null);

    [Test]
    public void ProtoEnum_HasTheSameNamesInTheSameOrder()
    {
        foreach (var state in Enum.GetValues<JobState>())
        {
            var proto = state.ToProto();
            Assert.That(proto.ToString(), Is.EqualTo(state.ToString()), $"{state} maps to {proto}");
        }
    }
}
