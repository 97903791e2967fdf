using Google.Protobuf.WellKnownTypes;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Companion;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.Slurm;

namespace SlurmK8s.Tests.Companion;

internal sealed class CompanionStatusTests
{
    private static IEnumerable<TestCaseData> States()
    {
        yield return new TestCaseData(Job(Proto.JobState.Pending, "PENDING", reason: "Priority"), "PENDING", null, "Priority", "Slurm job 7 is pending (Priority)")
            .SetName("FromJob_Pending_KeepsSlurmsReason");
        yield return new TestCaseData(Job(Proto.JobState.Running, "RUNNING", nodes: "n2"), "RUNNING", null, null, "Slurm job 7 is running on n2")
            .SetName("FromJob_Running_NamesTheNodes");
        yield return new TestCaseData(Job(Proto.JobState.Completed, "COMPLETED", finished: true), "COMPLETED", 0, null, "Slurm job 7 completed")
            .SetName("FromJob_Completed_HasExitCodeZero");
        yield return new TestCaseData(Job(Proto.JobState.Failed, "FAILED", reason: "NonZeroExitCode", exit: 3, finished: true), "FAILED", 3, "NonZeroExitCode",
            "Slurm job 7 ended FAILED (NonZeroExitCode), exit code 3").SetName("FromJob_Failed_SaysWhyInSlurmsWords");
        yield return new TestCaseData(Job(Proto.JobState.Cancelled, "CANCELLED by 0", exit: 0, signal: 15, finished: true), "CANCELLED", 0, null,
            "Slurm job 7 was cancelled").SetName("FromJob_CancelledByAccounting_KeepsTheStateWordOnly");
        yield return new TestCaseData(Job(Proto.JobState.Timeout, "TIMEOUT", reason: "TimeLimit", exit: 0, signal: 15, finished: true), "TIMEOUT", 0, "TimeLimit",
            "Slurm job 7 ended TIMEOUT (TimeLimit), exit code 0, signal 15").SetName("FromJob_Timeout_NamesTheSignal");
        yield return new TestCaseData(Job(Proto.JobState.OutOfMemory, "", finished: true, exit: 0, signal: 9), "OUT_OF_MEMORY", 0, null,
            "Slurm job 7 ended OUT_OF_MEMORY, exit code 0, signal 9").SetName("FromJob_NoStateWord_FallsBackToTheDecodedState");
        yield return new TestCaseData(Job(Proto.JobState.Unknown, "UNKNOWN", reason: "unknown to squeue and to accounting", finished: true), "UNKNOWN", null,
            "unknown to squeue and to accounting", "Slurm job 7 is unknown to Slurm: unknown to squeue and to accounting").SetName("FromJob_Unknown_HasNoExitCode");
    }

    [TestCaseSource(nameof(States))]
    public void FromJob(Proto.Job job, string state, int? exitCode, string? reason, string message)
    {
        var facts = CompanionStatus.FromJob(job);

        Assert.That((facts.JobId, facts.State?.Word(), facts.ExitCode, facts.Reason), Is.EqualTo((7L, state, exitCode, reason)), "the proto's state, carried through");
        Assert.That(SlurmFactsText.Describe(facts), Is.EqualTo(message));
    }

    [Test]
    public void FromJob_CopiesTimesAsUtc()
    {
        var job = Job(Proto.JobState.Running, "RUNNING");
        job.SubmitTime = Timestamp.FromDateTime(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));

        Assert.That(CompanionStatus.FromJob(job).SubmitTime, Is.EqualTo(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)));
        Assert.That(CompanionStatus.FromJob(job).EndTime, Is.Null);
    }

    [Test]
    public void FromJob_Array_CountsTasksByState()
    {
        var job = Job(Proto.JobState.Running, "RUNNING");
        foreach (var state in new[] { Proto.JobState.Pending, Proto.JobState.Running, Proto.JobState.Completed, Proto.JobState.Failed, Proto.JobState.Timeout, Proto.JobState.Cancelled })
        {
            job.ArrayTasks.Add(new Proto.ArrayTask { TaskId = job.ArrayTasks.Count + 1, State = state, SlurmState = state.ToString().ToUpperInvariant() });
        }

        var counts = CompanionStatus.FromJob(job).ArrayTasks!;

        Assert.That((counts.Total, counts.Pending, counts.Running, counts.Succeeded, counts.Failed, counts.Cancelled), Is.EqualTo((6, 1, 1, 1, 2, 1)));
    }

    [Test]
    public void Patch_ReplacesTheChangedFieldWholeAndNullsWhatItLost()
    {
        var before = new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 7, State = JobState.Pending, Reason = "Priority" } };
        var after = new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 7, State = JobState.Running, NodeList = "n1" } };

        var patch = CompanionStatus.Patch(before, after)!;

        Assert.That(patch.ToJsonString(), Is.EqualTo("""{"slurm":{"jobId":7,"state":"RUNNING","nodeList":"n1","reason":null}}"""));
    }

    [Test]
    public void Patch_NothingChanged_IsNull()
    {
        var status = new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 7, State = JobState.Running, ArrayTasks = new ArrayTaskCounts { Total = 2, Running = 2 } } };
        var same = new SlurmJobStatus { Slurm = status.Slurm with { ArrayTasks = new ArrayTaskCounts { Total = 2, Running = 2 } } };

        Assert.That(CompanionStatus.Patch(status, same), Is.Null);
    }

    [Test]
    public void Patch_NeverCarriesTheOperatorsFields()
    {
        var patch = CompanionStatus.Patch(new SlurmJobStatus { Phase = "Pending" },
            new SlurmJobStatus { Phase = "Running", PodName = "x-job", Companion = new CompanionReport { SubmittedGeneration = 1 } })!;

        Assert.That(patch.Select(p => p.Key), Is.EqualTo(new[] { "companion" }));
    }

    private static Proto.Job Job(Proto.JobState state, string word, string reason = "", string nodes = "", int exit = 0, int signal = 0, bool finished = false) => new()
    {
        JobId = 7, State = state, SlurmState = word, Reason = reason, NodeList = nodes, ExitCode = exit, Signal = signal, Finished = finished,
    };
}
