using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Cli;
using SlurmK8s.Companion;
using SlurmK8s.Kube;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Fakes;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Companion;

/// <summary>The companion's whole flow against a stateful fake red-box and the stateful fake API server.</summary>
internal sealed class CompanionSessionTests
{
    private const string Namespace = "ns";
    private const string Name = "hello";
    private const string Pod = "hello-job";

    private TempDirectory _dir = null!;
    private FakeRedBox _redBox = null!;
    private CapturedOutput _output = null!;
    private readonly List<CompanionSession> _sessions = [];

    private string ResultsDir => _dir.Combine("results");

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        Directory.CreateDirectory(ResultsDir);
        _redBox = new FakeRedBox();
        _output = new CapturedOutput();
    }

    [TearDown]
    public void TearDown()
    {
        _sessions.ForEach(s => s.Dispose());
        _sessions.Clear();
        _output.Dispose();
        _dir.Dispose();
    }

    [Test]
    public async Task Run_JobCompletes_PatchesOnlyItsOwnChangedFieldsStreamsOutputCollectsItAndExitsZero()
    {
        var kube = Kube(status: new SlurmJobStatus { Phase = SlurmJobPhase.Running });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = Session(kube).RunAsync(stop.Token);

        var id = await SubmittedAsync(kube);
        _redBox.Run(id);
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "hello\n");
        await Eventually.TrueAsync(() => _output.Text == "hello\n", "the first line is streamed while the job runs");
        _redBox.Update(id, _ => { }); // red-box repeating the same state: no patch for it
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "bye\n");
        _redBox.Finish(id, Proto.JobState.Completed);

        Assert.That(await run, Is.EqualTo(ExitCodes.Success));
        var status = Stored(kube).Status!;
        Assert.That((status.Slurm?.JobId, status.Slurm?.State, status.Slurm?.ExitCode, status.Slurm?.NodeList), Is.EqualTo(((long?)id, (JobState?)JobState.Completed, (int?)0, "n1")));
        Assert.That(status.Slurm?.StartTime, Is.EqualTo(new DateTime(2026, 11, 24, 12, 0, 5, DateTimeKind.Utc)));
        Assert.That(status.Slurm?.Cluster, Is.EqualTo(FakeRedBox.Cluster), "which Slurm cluster red-box gave it to");
        Assert.That(kube.PatchedStatuses.First(p => p.ContainsKey("slurm"))["slurm"]?["cluster"]?.GetValue<string>(), Is.EqualTo(FakeRedBox.Cluster), "named with the id, at submit");
        Assert.That(status.Phase, Is.EqualTo(SlurmJobPhase.Running), "the operator's field is left alone");
        Assert.That(kube.PatchedStatuses.SelectMany(p => p.Select(f => f.Key)).Distinct(), Is.SubsetOf(new[] { "slurm", "companion" }));
        Assert.That(kube.PatchedStatuses.Where(p => p.ContainsKey("slurm")).Select(p => p["slurm"]?["state"]?.GetValue<string>()),
            Is.EqualTo(new string?[] { null, "PENDING", "RUNNING", "COMPLETED" }), "one patch for the id, then one per state; none for a repeated state");
        Assert.That(status.Companion?.Results?.Outcome, Is.EqualTo(ResultsOutcome.Collected));
        Assert.That(kube.Events, Is.Empty, "the operator announces; the companion only reports");
        Assert.That(_output.Text, Is.EqualTo("hello\nbye\n"));
        Assert.That(File.ReadAllText(Path.Combine(ResultsDir, Pod, $"slurm-{id}.out")), Is.EqualTo("hello\nbye\n"));
    }

    [Test]
    public async Task Run_SubmissionRefused_StatusAndWarningCarrySlurmsWordsAndExitsSubmitRefused()
    {
        const string words = "sbatch failed (exit 1): sbatch: error: invalid partition specified: nope";
        _redBox.OnSubmit = _ => new SlurmException(SlurmErrorKind.InvalidArgument, words);
        var kube = Kube();

        var exitCode = await Session(kube).RunAsync(CancellationToken.None);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.SubmitRefused));
        var status = Stored(kube).Status!;
        Assert.That((status.Slurm, status.Companion?.SubmitFailure), Is.EqualTo(((SlurmJobFacts?)null, new SubmitFailure { Reason = SubmitFailureReason.SubmitRefused, Message = words })));
    }

    [Test]
    public async Task Run_TellsTheOutcomeForTheOneLineTerminationMessage()
    {
        var kube = Kube();
        var outcome = new CompanionOutcome();
        var run = Session(kube, outcome).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Finish(id, Proto.JobState.Failed, exitCode: 3, reason: "NonZeroExitCode");

        var exitCode = await run;

        Assert.That(TerminationMessage.Summarize(exitCode, outcome, null), Is.EqualTo($"Slurm job {id} FAILED (script exit code 3; NonZeroExitCode)"));
    }

    [Test]
    public async Task Run_JobExitsThree_ReportsFailedWithSlurmsReasonStillCollectsOutputAndExitsJobFailed()
    {
        var kube = Kube();
        var run = Session(kube).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Run(id);
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "about to fail\n");
        _redBox.Finish(id, Proto.JobState.Failed, exitCode: 3, reason: "NonZeroExitCode");

        Assert.That(await run, Is.EqualTo(ExitCodes.JobFailed));
        var status = Stored(kube).Status!;
        Assert.That((status.Slurm?.State, status.Slurm?.ExitCode, status.Slurm?.Reason), Is.EqualTo(((JobState?)JobState.Failed, (int?)3, "NonZeroExitCode")));
        Assert.That(File.ReadAllText(Path.Combine(ResultsDir, Pod, $"slurm-{id}.out")), Is.EqualTo("about to fail\n"));
    }

    [Test]
    public async Task Run_StatusAlreadyNamesTheJob_ReattachesWithoutSubmittingAgain()
    {
        var kube = Kube();
        var first = await _redBox.SubmitAsync("#!/bin/sh\necho hi\n", Stored(kube).Metadata.Uid, CancellationToken.None);
        await kube.PatchSlurmJobStatusAsync(Namespace, Name, new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = first.JobId, State = JobState.Pending } }, CancellationToken.None);
        _redBox.Run(first.JobId);

        var run = Session(kube).RunAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Stored(kube).Status!.Slurm?.State == JobState.Running, "the state is followed");
        _redBox.Finish(first.JobId, Proto.JobState.Completed);
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{first.JobId}.out", "hi\n");

        Assert.That(await run, Is.EqualTo(ExitCodes.Success));
        Assert.That(_redBox.Submissions, Is.EqualTo(1));
    }

    [Test]
    public async Task Run_SlurmJobDeletedWhileRunning_CancelsTheSlurmJobAndExitsCancelled()
    {
        var kube = Kube(finalizer: true);
        var run = Session(kube).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Run(id);
        await Eventually.TrueAsync(() => Stored(kube).Status!.Slurm?.State == JobState.Running, "running");

        kube.DeleteSlurmJob(Namespace, Name);

        Assert.That(await run, Is.EqualTo(ExitCodes.JobCancelled));
        Assert.That(_redBox.CancelCalls, Is.EqualTo(new[] { id }));
        Assert.That(Stored(kube).Status!.Slurm?.State, Is.EqualTo(JobState.Cancelled));
    }

    [Test]
    public async Task Run_SlurmJobAlreadyBeingDeletedWithoutAJob_SubmitsNothing()
    {
        var kube = Kube(finalizer: true);
        kube.DeleteSlurmJob(Namespace, Name);

        Assert.That(await Session(kube).RunAsync(CancellationToken.None), Is.EqualTo(ExitCodes.JobCancelled));
        Assert.That(_redBox.Submissions, Is.Zero);
    }

    [Test]
    public async Task Run_StoppedBySigterm_LeavesTheSlurmJobRunning()
    {
        var kube = Kube();
        using var stop = new CancellationTokenSource();
        var run = Session(kube).RunAsync(stop.Token);
        var id = await SubmittedAsync(kube);
        _redBox.Run(id);
        await Eventually.TrueAsync(() => Stored(kube).Status!.Slurm?.State == JobState.Running, "running");

        await stop.CancelAsync();

        Assert.That(await run, Is.EqualTo(ExitCodes.Terminated));
        Assert.That(_redBox.CancelCalls, Is.Empty);
        Assert.That(_redBox.Job(id).State, Is.EqualTo(Proto.JobState.Running));
    }

    [Test]
    public async Task Run_RedBoxStreamsDrop_ResumesWithoutLosingOrRepeatingOutput()
    {
        _redBox.FailWatches = 2;
        _redBox.FailTails = 1;
        var kube = Kube();
        var run = Session(kube).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "one\n");
        _redBox.Run(id);
        await Eventually.TrueAsync(() => _output.Text == "one\n", "first chunk");
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "two\n");
        _redBox.Finish(id, Proto.JobState.Completed);

        Assert.That(await run, Is.EqualTo(ExitCodes.Success));
        Assert.That(_output.Text, Is.EqualTo("one\ntwo\n"));
        Assert.That(Stored(kube).Status!.Slurm?.State, Is.EqualTo(JobState.Completed));
    }

    [Test]
    public async Task Run_Array_InterleavesPrefixedTaskLinesCountsTasksAndCollectsEveryTaskFile()
    {
        var kube = Kube("#!/bin/sh\n#SBATCH --array=1-2\necho task\n");
        var run = Session(kube).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.SetTask(id, 1, Proto.JobState.Running);
        _redBox.SetTask(id, 2, Proto.JobState.Running);
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}_1.out", "one a\none ");
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}_2.out", "two a\n");
        await Eventually.TrueAsync(() => _output.Text.Contains("[task 2] two a\n", StringComparison.Ordinal), "task 2 streams while task 1 runs");
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}_1.out", "b\n");
        _redBox.SetTask(id, 1, Proto.JobState.Completed);
        _redBox.SetTask(id, 2, Proto.JobState.Completed);

        Assert.That(await run, Is.EqualTo(ExitCodes.Success));
        Assert.That(_output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EquivalentTo(new[] { "[task 1] one a", "[task 1] one b", "[task 2] two a" }));
        var counts = Stored(kube).Status!.Slurm!.ArrayTasks!;
        Assert.That((counts.Total, counts.Succeeded, counts.Failed), Is.EqualTo((2, 2, 0)));
        Assert.That(File.ReadAllText(Path.Combine(ResultsDir, Pod, $"slurm-{id}_1.out")), Is.EqualTo("one a\none b\n"));
        Assert.That(File.ReadAllText(Path.Combine(ResultsDir, Pod, $"slurm-{id}_2.out")), Is.EqualTo("two a\n"));
    }

    [Test]
    public async Task Run_ArrayWithAFailedTask_ExitsJobFailedAndNamesTheTask()
    {
        var kube = Kube("#!/bin/sh\n#SBATCH --array=1-2\nexit 1\n");
        var run = Session(kube).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.SetTask(id, 1, Proto.JobState.Completed);
        _redBox.SetTask(id, 2, Proto.JobState.Failed, exitCode: 1);

        Assert.That(await run, Is.EqualTo(ExitCodes.JobFailed));
        var status = Stored(kube).Status!;
        Assert.That((status.Slurm!.ArrayTasks!.Succeeded, status.Slurm.ArrayTasks.Failed), Is.EqualTo((1, 1)));
        Assert.That(status.Slurm.FailedTasks!.Select(t => (t.TaskId, t.State, t.Reason, t.ExitCode)).Single(), Is.EqualTo((2L, (JobState?)JobState.Failed, "NonZeroExitCode", (int?)1)));
        Assert.That(SlurmFactsText.Describe(status.Slurm), Does.Contain("task 2 FAILED (NonZeroExitCode), exit code 1"));
    }

    [Test]
    public async Task Run_ResultsFilesWithGlobAndAMissingFile_CollectsMatchesInTheirFoldersAndExitsResultsIncomplete()
    {
        var kube = Kube(results: new SlurmJobResults { Files = ["out/*.csv", "summary.txt", "absent.txt"] });
        var run = Session(kube).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Append($"{FakeRedBox.WorkDir}/out/a.csv", "1,2\n");
        _redBox.Append($"{FakeRedBox.WorkDir}/out/b.csv", "3,4\n");
        _redBox.Append($"{FakeRedBox.WorkDir}/out/c.txt", "not matched\n");
        _redBox.Append($"{FakeRedBox.WorkDir}/summary.txt", "done\n");
        _redBox.Finish(id, Proto.JobState.Completed);

        Assert.That(await run, Is.EqualTo(ExitCodes.ResultsIncomplete));
        var target = Path.Combine(ResultsDir, Pod);
        Assert.That(Directory.GetFiles(target, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(target, f)).Order(),
            Is.EqualTo(new[] { "out/a.csv", "out/b.csv", "summary.txt" }));
        var status = Stored(kube).Status!;
        Assert.That((status.Slurm?.State, status.Companion?.Results?.Outcome, status.Companion?.Results?.Files),
            Is.EqualTo(((JobState?)JobState.Completed, (ResultsOutcome?)ResultsOutcome.ResultsMissing, (int?)3)));
        Assert.That(status.Companion!.Results!.Message, Does.Contain("absent.txt"));
    }

    [Test]
    public async Task Run_ResultsFrom_CollectsThatOneFile()
    {
        var kube = Kube(results: new SlurmJobResults { From = "cow.out" });
        var run = Session(kube).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Append($"{FakeRedBox.WorkDir}/cow.out", "moo\n");
        _redBox.Finish(id, Proto.JobState.Completed);

        Assert.That(await run, Is.EqualTo(ExitCodes.Success));
        Assert.That(File.ReadAllText(Path.Combine(ResultsDir, Pod, "cow.out")), Is.EqualTo("moo\n"));
    }

    [Test]
    public async Task Run_ResultsDirCannotHoldAFolder_FailsBeforeSubmittingNamingThePathAndWhoWeAre()
    {
        File.WriteAllText(Path.Combine(ResultsDir, Pod), "a file where the folder should be");
        var kube = Kube();

        var exitCode = await Session(kube).RunAsync(CancellationToken.None);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.ResultsNotWritable));
        Assert.That(_redBox.Submissions, Is.Zero);
        var status = Stored(kube).Status!;
        Assert.That(status.Companion?.Results?.Outcome, Is.EqualTo(ResultsOutcome.ResultsNotWritable));
        Assert.That(status.Companion!.Results!.Message, Does.Contain(Path.Combine(ResultsDir, Pod)).And.Contain($"uid {SlurmK8s.Os.Libc.GetEffectiveUserId()} gid {SlurmK8s.Os.Libc.GetEffectiveGroupId()}"));
    }

    [Test]
    public async Task Run_StatusPatchFailsOnce_RetriesAndTheStatusEndsRight()
    {
        var kube = Kube();
        var failures = 1;
        kube.OnPatchStatus = _ =>
        {
            if (Interlocked.Decrement(ref failures) >= 0)
            {
                throw FakeKubeApi.Unavailable("patch status");
            }
        };
        var run = Session(kube).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Finish(id, Proto.JobState.Completed);
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "");

        Assert.That(await run, Is.EqualTo(ExitCodes.Success));
        Assert.That(Stored(kube).Status!.Slurm?.State, Is.EqualTo(JobState.Completed));
    }

    [Test]
    public async Task Run_SlurmJobNotFound_ExitsFailureWithoutSubmitting()
    {
        var kube = new FakeKubeApi();

        Assert.That(await Session(kube).RunAsync(CancellationToken.None), Is.EqualTo(ExitCodes.Failure));
        Assert.That(_redBox.Submissions, Is.Zero);
    }

    [Test]
    public async Task Run_ApiServerDownWhenTheJobEnds_WritesTheFinalStatusOnceItIsBackBeforeExiting()
    {
        var kube = Kube();
        var run = Session(kube).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Run(id);
        await Eventually.TrueAsync(() => Stored(kube).Status!.Slurm?.State == JobState.Running, "running");
        var patchesBefore = kube.StatusPatches;
        var refusing = TakeDown(kube, out var bringBack);

        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "done\n");
        _redBox.Finish(id, Proto.JobState.Completed);
        await Eventually.TrueAsync(refusing, "the final patch meets the outage");
        // Far more than the 5 attempts the companion used to give up after (20 ms apart at most here).
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.That(run.IsCompleted, Is.False, "no exit before the final status is written");
        Assert.That(kube.StatusPatches, Is.EqualTo(patchesBefore));
        bringBack();

        Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(ExitCodes.Success));
        var status = Stored(kube).Status!;
        Assert.That((status.Slurm?.State, status.Slurm?.ExitCode, status.Companion?.Results?.Outcome),
            Is.EqualTo(((JobState?)JobState.Completed, (int?)0, (ResultsOutcome?)ResultsOutcome.Collected)));
    }

    [Test]
    public async Task Run_ApiServerNeverBackWhenTheJobEnds_ExitsTerminatedOnSigtermNotWithTheOutcome()
    {
        var kube = Kube();
        using var stop = new CancellationTokenSource();
        var run = Session(kube).RunAsync(stop.Token);
        var id = await SubmittedAsync(kube);
        var refusing = TakeDown(kube, out _);
        _redBox.Finish(id, Proto.JobState.Completed);
        await Eventually.TrueAsync(refusing, "the final patch meets the outage");

        await stop.CancelAsync();

        Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(ExitCodes.Terminated));
    }

    [Test]
    public async Task Run_ApiServerDownAtStart_WaitsForItThenRuns()
    {
        var kube = Kube();
        var refusing = TakeDown(kube, out var bringBack);
        var run = Session(kube).RunAsync(CancellationToken.None);
        await Eventually.TrueAsync(refusing, "the first GET meets the outage");
        await Task.Delay(200);
        bringBack();

        var id = await SubmittedAsync(kube);
        _redBox.Finish(id, Proto.JobState.Completed);
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "");

        Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(ExitCodes.Success));
        Assert.That(_redBox.Submissions, Is.EqualTo(1));
    }

    [Test]
    public async Task Run_ApiServerDownAWhileThenTheSlurmJobDeleted_TheDeletionWatchCameBackAndCancels()
    {
        var kube = Kube(finalizer: true);
        var run = Session(kube).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Run(id);
        await Eventually.TrueAsync(() => Stored(kube).Status!.Slurm?.State == JobState.Running, "running");
        var refusing = TakeDown(kube, out var bringBack);
        await Eventually.TrueAsync(refusing, "the deletion watch is refused");
        await Task.Delay(200);
        bringBack();
        await Task.Delay(200);

        kube.DeleteSlurmJob(Namespace, Name);

        Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(ExitCodes.JobCancelled));
        Assert.That(_redBox.CancelCalls, Is.EqualTo(new[] { id }));
    }

    [Test]
    public async Task Run_StatusPatchRefusedOnce_TheNextWriteCarriesTheFieldsAgain()
    {
        var kube = Kube();
        var refusals = 1;
        kube.OnPatchStatus = _ =>
        {
            if (Interlocked.Decrement(ref refusals) >= 0)
            {
                throw new KubeApiException(422, "Invalid", "patch status: status.slurm: Invalid value (HTTP 422)");
            }
        };
        var run = Session(kube).RunAsync(CancellationToken.None);
        long? id = null;
        await Eventually.TrueAsync(() => (id = _redBox.JobFor(Stored(kube).Metadata.Uid)) is not null, "submitted");
        _redBox.Run(id!.Value);
        await Eventually.TrueAsync(() => Stored(kube).Status?.Slurm?.State == JobState.Running, "the next write is taken");
        Assert.That(Stored(kube).Status!.Slurm!.JobId, Is.EqualTo(id), "the refused write's job id came with the next one");
        _redBox.Finish(id.Value, Proto.JobState.Completed);
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "");

        Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(ExitCodes.Success));
    }

    private static IEnumerable<TestCaseData> Outages()
    {
        yield return new TestCaseData(new SlurmException(SlurmErrorKind.Unavailable, "red-box on /var/run/syslurm/red-box.sock did not answer (Unavailable): Connection refused"),
            OutageComponent.RedBox, "red-box's socket /var/run/syslurm/red-box.sock on node node-7").SetArgDisplayNames("RedBox");
        yield return new TestCaseData(new SlurmException(SlurmErrorKind.Unavailable, "red-box on /var/run/syslurm/red-box.sock could not reach Slurm: squeue failed (exit 1): Unable to contact slurm controller")
            { SlurmUnreachableAt = "slurmctld vm(127.0.0.1) of Slurm cluster prod" },
            OutageComponent.Slurmctld, "slurmctld vm(127.0.0.1) of Slurm cluster prod").SetArgDisplayNames("Slurmctld");
        yield return new TestCaseData(new SlurmException(SlurmErrorKind.Unavailable, "red-box on /var/run/syslurm/red-box.sock could not reach Slurm: squeue failed")
            { SlurmUnreachableAt = "" },
            OutageComponent.Slurmctld, "slurmctld behind red-box on node node-7").SetArgDisplayNames("SlurmctldRedBoxCannotName");
    }

    [TestCaseSource(nameof(Outages))]
    public async Task Run_UnreachableLongerThanTheThreshold_ReportsTheOutageSinceTheFirstFailureAndClearsItOnTheFirstAnswer(SlurmException failure,
        OutageComponent component, string where)
    {
        var kube = Kube();
        var run = Session(kube, outageAfter: TimeSpan.FromMilliseconds(300)).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Run(id);
        await Eventually.TrueAsync(() => Stored(kube).Status!.Slurm?.State == JobState.Running, "running");

        var wentDown = DateTime.UtcNow;
        _redBox.GoDown(failure);
        await Task.Delay(100);
        Assert.That(Stored(kube).Status!.Companion?.Outage, Is.Null, "not before the threshold");
        await Eventually.TrueAsync(() => Stored(kube).Status!.Companion?.Outage is not null, "reported once the threshold has passed");
        var outage = Stored(kube).Status!.Companion!.Outage!;
        Assert.That((outage.Component, outage.Where, outage.Message), Is.EqualTo((component, where, failure.Message)));
        Assert.That(outage.Since, Is.EqualTo(wentDown).Within(TimeSpan.FromMilliseconds(200)), "since the first failed attempt");

        _redBox.ComeBack();
        await Eventually.TrueAsync(() => Stored(kube).Status!.Companion?.Outage is null, "cleared on the first answer");
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "after\n");
        _redBox.Finish(id, Proto.JobState.Completed);

        Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(ExitCodes.Success));
        Assert.That(_redBox.Submissions, Is.EqualTo(1));
        Assert.That(_output.Text, Is.EqualTo("after\n"));
    }

    [Test]
    public async Task Run_RedBoxDownWhileCollectingResults_ReportsTheOutageAndCollectsOnceItIsBack()
    {
        var kube = Kube(results: new SlurmJobResults { From = "cow.out" });
        var run = Session(kube, outageAfter: TimeSpan.FromMilliseconds(300)).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.Append($"{FakeRedBox.WorkDir}/cow.out", "moo\n");
        var failure = new SlurmException(SlurmErrorKind.Unavailable, "connect: no such file or directory (red-box's socket)");
        _redBox.OnRead = path =>
        {
            if (path.EndsWith("cow.out", StringComparison.Ordinal))
            {
                _redBox.OnRead = null;
                _redBox.GoDown(failure);
            }
        };
        _redBox.Finish(id, Proto.JobState.Completed);

        await Eventually.TrueAsync(() => Stored(kube).Status!.Companion?.Outage is not null, "the outage is reported while the results wait");
        Assert.That((Stored(kube).Status!.Companion!.Outage!.Component, run.IsCompleted), Is.EqualTo((OutageComponent.RedBox, false)));
        _redBox.ComeBack();

        Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(ExitCodes.Success));
        Assert.That(File.ReadAllText(Path.Combine(ResultsDir, Pod, "cow.out")), Is.EqualTo("moo\n"));
        var status = Stored(kube).Status!;
        Assert.That((status.Companion?.Outage, status.Companion?.Results?.Outcome), Is.EqualTo(((Outage?)null, (ResultsOutcome?)ResultsOutcome.Collected)));
    }

    [Test]
    public async Task Run_RedBoxDownShorterThanTheThreshold_ReportsNoOutage()
    {
        var kube = Kube();
        var run = Session(kube, outageAfter: TimeSpan.FromSeconds(30)).RunAsync(CancellationToken.None);
        var id = await SubmittedAsync(kube);
        _redBox.GoDown(new SlurmException(SlurmErrorKind.Unavailable, "red-box did not answer"));
        await Eventually.TrueAsync(() => _redBox.RefusedWhileDown > 3, "the companion keeps trying");
        _redBox.ComeBack();
        _redBox.Finish(id, Proto.JobState.Completed);
        _redBox.Append($"{FakeRedBox.WorkDir}/slurm-{id}.out", "");

        Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(ExitCodes.Success));
        Assert.That(kube.PatchedStatuses.Any(p => p["companion"]?["outage"] is not null), Is.False);
    }

    /// <summary>The fake API server holding the SlurmJob ns/hello (with a finalizer, a deletion leaves it marked, as the operator's does).</summary>
    private static FakeKubeApi Kube(string batch = "#!/bin/sh\necho hello\n", SlurmJobResults? results = null, SlurmJobStatus? status = null, bool finalizer = false)
    {
        var kube = new FakeKubeApi();
        kube.AddSlurmJob(new SlurmJob
        {
            Metadata = new() { Name = Name, NamespaceProperty = Namespace, Finalizers = finalizer ? ["slurm.sylabs.io/test-hold"] : null },
            Spec = new SlurmJobSpec { Batch = batch, Results = results },
            Status = status,
        });
        return kube;
    }

    private static SlurmJob Stored(FakeKubeApi kube) => kube.StoredSlurmJob(Namespace, Name)!;

    private CompanionSession Session(FakeKubeApi kube, CompanionOutcome? outcome = null, TimeSpan? outageAfter = null)
    {
        var session = new CompanionSession(_redBox, kube,
            new CompanionOptions
            {
                Namespace = Namespace, SlurmJobName = Name, PodName = Pod, ResultsDir = ResultsDir,
                RetryDelay = TimeSpan.FromMilliseconds(5), MaxRetryDelay = TimeSpan.FromMilliseconds(20), MaxRedBoxRetryDelay = TimeSpan.FromMilliseconds(20),
                DrainTimeout = TimeSpan.FromSeconds(5), SocketPath = "/var/run/syslurm/red-box.sock", NodeName = "node-7",
                OutageAfter = outageAfter ?? TimeSpan.FromSeconds(60),
            },
            _output, NullLoggerFactory.Instance, outcome);
        _sessions.Add(session);
        return session;
    }

    /// <summary>What a client sees while the API server is down: nothing answers.</summary>
    private static KubeApiException NoAnswer(string what) => new(0, null, $"{what}: the API server did not answer (Connection refused)");

    /// <summary>Takes the fake API server down (every read, patch and watch fails as unanswered, open watches break) until the returned switch is flipped back.</summary>
    private static Func<bool> TakeDown(FakeKubeApi kube, out Action bringBack)
    {
        var down = 1;
        var refused = 0;
        void Refuse(string what)
        {
            if (Volatile.Read(ref down) == 1)
            {
                Interlocked.Increment(ref refused);
                throw NoAnswer(what);
            }
        }
        kube.OnPatchStatus = Refuse;
        kube.OnRead = Refuse;
        kube.OnWatch = Refuse;
        kube.BreakWatches(NoAnswer("watch SlurmJob"));
        bringBack = () => Volatile.Write(ref down, 0);
        return () => Volatile.Read(ref refused) > 0;
    }

    private async Task<long> SubmittedAsync(FakeKubeApi kube)
    {
        long? id = null;
        await Eventually.TrueAsync(() => (id = _redBox.JobFor(Stored(kube).Metadata.Uid)) is not null && Stored(kube).Status?.Slurm?.JobId == id,
            "the job is submitted and its id is in the status");
        return id!.Value;
    }
}
