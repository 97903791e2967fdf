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

    private CompanionSession Session(FakeKubeApi kube, CompanionOutcome? outcome = null) => new(_redBox, kube,
        new CompanionOptions
        {
            Namespace = Namespace, SlurmJobName = Name, PodName = Pod, ResultsDir = ResultsDir,
            RetryDelay = TimeSpan.FromMilliseconds(5), MaxRetryDelay = TimeSpan.FromMilliseconds(20), DrainTimeout = TimeSpan.FromSeconds(5),
        },
        _output, NullLoggerFactory.Instance, outcome);

    private async Task<long> SubmittedAsync(FakeKubeApi kube)
    {
        long? id = null;
        await Eventually.TrueAsync(() => (id = _redBox.JobFor(Stored(kube).Metadata.Uid)) is not null && Stored(kube).Status?.Slurm?.JobId == id,
            "the job is submitted and its id is in the status");
        return id!.Value;
    }
}
