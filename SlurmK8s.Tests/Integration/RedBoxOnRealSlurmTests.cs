using System.Diagnostics;
using System.Text;
using Grpc.Core;
using SlurmK8s.RedBox;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxClient;
using SlurmK8s.RedBoxContract;
using SlurmK8s.Slurm;

namespace SlurmK8s.Tests.Integration;

/// <summary>red-box in this process, over the real Slurm, through a real gRPC client.</summary>
[Category("Integration")]
[NonParallelizable]
public sealed class RedBoxOnRealSlurmTests
{
    private TempDirectory _dir = null!;
    private InProcessRedBox _redBox = null!;
    private Proto.RedBox.RedBoxClient Client => _redBox.Client;

    [OneTimeSetUp]
    public static Task SlurmIsUp() => RealSlurm.EnsureUpAsync();

    [SetUp]
    public async Task SetUp()
    {
        _dir = new TempDirectory();
        _redBox = await InProcessRedBox.StartAsync(_dir.Path);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _redBox.DisposeAsync();
        _dir.Dispose();
    }

    [Test]
    public async Task Submit_ScriptThatSucceeds_EndsCompletedWithOutputReadable()
    {
        var id = await Client.SubmitAsync("#!/bin/sh\necho hello from slurm\n");

        var job = await Client.WaitFinishedAsync(id);

        Assert.That(job.State, Is.EqualTo(Proto.JobState.Completed));
        Assert.That(job.ExitCode, Is.Zero);
        Assert.That(job.Cluster, Is.EqualTo("slurmk8s"), "which Slurm cluster holds it");
        Assert.That(job.StdOut, Is.EqualTo(Path.Combine(job.WorkDir, $"slurm-{id}.out")));
        Assert.That(job.WorkDir, Does.StartWith(_redBox.Tenancy.WorkRootOf("jobs") + "/"), "a directory of its own under the tenant's root");
        Assert.That(job.User, Is.EqualTo(TestTenancy.UserOf("jobs")), "run as the tenant's user");
        Assert.That(await Client.ReadFileAsync(job.StdOut), Is.EqualTo("hello from slurm\n"));
    }

    [Test]
    public async Task Submit_SaysInATrailerHowLongRedBoxItselfTook()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var call = Client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\n#SBATCH --hold\ntrue\n", IdempotencyKey = NewKey() });
        var response = await call.ResponseAsync;
        var seen = clock.Elapsed;
        Assert.That(response.Cluster, Is.EqualTo("slurmk8s"));
        await Client.CancelJobAsync(new Proto.CancelJobRequest { JobId = response.JobId });

        var trailer = call.GetTrailers().GetValue(ServerTiming.Key);
        Assert.That(trailer, Does.StartWith("submit;dur="));
        Assert.That(ServerTimingTrailer.TryRead(trailer!, "submit", out var inside), Is.True);
        // At least an sbatch's worth of work, and no more than the client saw.
        Assert.That(inside, Is.GreaterThan(TimeSpan.FromMilliseconds(0.5)).And.LessThanOrEqualTo(seen));
    }

    [Test]
    public async Task Submit_ScriptOverTheLimit_IsRefusedInWords()
    {
        var script = "#!/bin/sh\n" + new string('#', ScriptLimits.MaxScriptBytes);

        var e = await Assert.ThrowsAsync<RpcException>(() => Client.SubmitAsync(script));

        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(e.Status.Detail, Does.Contain($"red-box accepts at most {ScriptLimits.MaxScriptBytes} bytes").And.Contain("files the script reads"));
    }

    [Test]
    public async Task Submit_RequestOverWhatGrpcReads_IsStillRefusedInWordsByTheClient()
    {
        using var connection = RedBoxConnection.Connect(_redBox.Options.SocketPath);

        var e = await Assert.ThrowsAsync<SlurmException>(() => connection.RedBox.SubmitAsync(
            "#!/bin/sh\n" + new string('#', ScriptLimits.MaxRequestBytes), NewKey(), CancellationToken.None));

        Assert.That(e!.Kind, Is.EqualTo(SlurmErrorKind.InvalidArgument));
        Assert.That(e.Message, Does.Contain($"at most {ScriptLimits.MaxScriptBytes} bytes").And.Contain("files the script reads"));
    }

    [Test]
    public async Task Submit_ScriptThatExitsThree_EndsFailedWithExitCodeThree()
    {
        var id = await Client.SubmitAsync("#!/bin/sh\necho about to fail\nexit 3\n");

        var job = await Client.WaitFinishedAsync(id);

        Assert.That(job.State, Is.EqualTo(Proto.JobState.Failed));
        Assert.That(job.ExitCode, Is.EqualTo(3));
        Assert.That(job.Reason, Is.EqualTo("NonZeroExitCode"));
    }

    [TestCase("#!/bin/sh\n#SBATCH --hold\necho never\n", Proto.JobState.Pending, TestName = "Cancel_PendingJob_EndsCancelled")]
    [TestCase("#!/bin/sh\nsleep 120\n", Proto.JobState.Running, TestName = "Cancel_RunningJob_EndsCancelled")]
    public async Task Cancel_EndsCancelled(string script, Proto.JobState stateBeforeCancel)
    {
        var id = await Client.SubmitAsync(script);
        await Client.WaitForStateAsync(id, stateBeforeCancel);

        await Client.CancelJobAsync(new Proto.CancelJobRequest { JobId = id });

        Assert.That((await Client.WaitFinishedAsync(id)).State, Is.EqualTo(Proto.JobState.Cancelled));
    }

    [Test]
    public async Task Submit_ArrayOneToThree_ReportsThreeTaskStates()
    {
        var id = await Client.SubmitAsync("#!/bin/sh\n#SBATCH --array=1-3\necho task $SLURM_ARRAY_TASK_ID\nexit $((SLURM_ARRAY_TASK_ID == 2))\n");

        var job = await Client.WaitFinishedAsync(id);

        Assert.That(job.ArrayTasks.Select(t => t.TaskId), Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(job.ArrayTasks.Select(t => t.State),
            Is.EqualTo(new[] { Proto.JobState.Completed, Proto.JobState.Failed, Proto.JobState.Completed }));
        Assert.That(job.State, Is.EqualTo(Proto.JobState.Failed), "an array succeeds only when every task completed");
        Assert.That(job.ExitCode, Is.EqualTo(1));
        Assert.That(await Client.ReadFileAsync(Path.Combine(job.WorkDir, $"slurm-{id}_2.out")), Is.EqualTo("task 2\n"));
        Assert.That(job.ArrayTasks.Select(t => t.StdOut), Is.EqualTo(new[] { 1, 2, 3 }.Select(t => Path.Combine(job.WorkDir, $"slurm-{id}_{t}.out"))),
            "each task names its own output file");
    }

    [Test]
    public async Task Submit_WithOutputChosen_StdOutIsThatFile_AndTailWithNoPathFollowsIt()
    {
        var id = await Client.SubmitAsync("#!/bin/sh\n#SBATCH --output=custom_%j_%x.txt\n#SBATCH --job-name=cow\necho chosen\n");

        var text = new StringBuilder();
        using (var tail = Client.TailFile(new Proto.TailFileRequest { JobId = id }))
        {
            await foreach (var chunk in tail.ResponseStream.ReadAllAsync())
            {
                text.Append(chunk.Content.ToStringUtf8());
            }
        }
        var job = await Client.WaitFinishedAsync(id);

        Assert.That(job.StdOut, Is.EqualTo(Path.Combine(job.WorkDir, $"custom_{id}_cow.txt")));
        Assert.That(File.Exists(job.StdOut), Is.True, "the file Slurm wrote");
        Assert.That(text.ToString(), Is.EqualTo("chosen\n"));
    }

    [Test]
    public async Task Submit_ArrayWithOutputChosen_EachTaskNamesTheFileSlurmWrote()
    {
        var id = await Client.SubmitAsync("#!/bin/sh\n#SBATCH --array=1-2\n#SBATCH --output=arr_%A_%a.txt\necho task $SLURM_ARRAY_TASK_ID\n");

        var job = await Client.WaitFinishedAsync(id);

        Assert.That(job.ArrayTasks.Select(t => t.StdOut), Is.EqualTo(new[] { 1, 2 }.Select(t => Path.Combine(job.WorkDir, $"arr_{id}_{t}.txt"))));
        Assert.That(await Client.ReadFileAsync(job.ArrayTasks[1].StdOut), Is.EqualTo("task 2\n"));
        Assert.That(job.StdOut, Is.EqualTo(job.ArrayTasks[0].StdOut), "the array's: its first task's");
    }

    [Test]
    public async Task Tail_DeliversOutputWhileTheJobRunsAndAllOfItAfter()
    {
        var id = await Client.SubmitAsync("#!/bin/sh\necho first line\nsleep 5\necho last line\n");
        using var tail = Client.TailFile(new Proto.TailFileRequest { JobId = id });
        var text = new StringBuilder();
        var sawFirstWhileRunning = false;

        await foreach (var chunk in tail.ResponseStream.ReadAllAsync())
        {
            text.Append(chunk.Content.ToStringUtf8());
            if (!sawFirstWhileRunning && text.ToString().Contains("first line", StringComparison.Ordinal))
            {
                // Asked of Slurm itself, not of red-box: the job must still be running.
                var state = await Command.RunAsync("squeue", "--noheader", $"--jobs={id}", "--Format=State");
                Assert.That(state.StandardOutput.Trim(), Is.EqualTo("RUNNING"), "the first line must arrive before the job ends");
                sawFirstWhileRunning = true;
            }
        }

        Assert.That(sawFirstWhileRunning, Is.True);
        Assert.That(text.ToString(), Is.EqualTo("first line\nlast line\n"));
    }

    [Test]
    public async Task Submit_SameKeyTwiceInSequence_OneJob()
    {
        var key = NewKey();

        var first = await Client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\ntrue\n", IdempotencyKey = key });
        var second = await Client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\ntrue\n", IdempotencyKey = key });

        Assert.That(second.JobId, Is.EqualTo(first.JobId));
        Assert.That((first.AlreadySubmitted, second.AlreadySubmitted), Is.EqualTo((false, true)));
        Assert.That(await RealSlurm.JobsWithKeyAsync(key), Is.EqualTo(1));
    }

    [Test]
    public async Task Submit_SameKeyConcurrently_OneJob()
    {
        var key = NewKey();

        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Client.SubmitAsync("#!/bin/sh\ntrue\n", key)));

        Assert.That(ids.Distinct().Count(), Is.EqualTo(1));
        await Client.WaitFinishedAsync(ids[0]);
        Assert.That(await RealSlurm.JobsWithKeyAsync(key), Is.EqualTo(1));
    }

    [Test]
    public async Task Submit_SameKeyAfterRestart_SameJob()
    {
        var key = NewKey();
        var first = await Client.SubmitAsync("#!/bin/sh\nsleep 2\n", key);

        await _redBox.DisposeAsync();
        _redBox = await InProcessRedBox.StartAsync(_dir.Path);
        var again = await Client.SubmitAsync("#!/bin/sh\nsleep 2\n", key);

        Assert.That(again, Is.EqualTo(first));
        await Client.WaitFinishedAsync(first);
        Assert.That(await RealSlurm.JobsWithKeyAsync(key), Is.EqualTo(1));
    }

    [Test]
    public async Task Submit_SameKeyAfterJobLeftSqueueAndJournalWasLost_SameJobFromAccounting()
    {
        var key = NewKey();
        var first = await Client.SubmitAsync("#!/bin/sh\ntrue\n", key);
        await Client.WaitFinishedAsync(first);
        await WaitUntilGoneFromSqueueAsync(first);

        // Same submit host, restarted, with its journal gone: only the job's comment in accounting remembers the key.
        await _redBox.DisposeAsync();
        Directory.Delete(Path.Combine(_dir.Path, "state"), recursive: true);
        _redBox = await InProcessRedBox.StartAsync(_dir.Path);
        var again = await Client.SubmitAsync("#!/bin/sh\ntrue\n", key);

        Assert.That(again, Is.EqualTo(first));
        Assert.That(await RealSlurm.JobsWithKeyAsync(key), Is.EqualTo(1));
        var info = await Client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { first } });
        Assert.That(info.Jobs[0].State, Is.EqualTo(Proto.JobState.Completed), "a job gone from squeue is answered from accounting");
        Assert.That(info.Jobs[0].StdOut, Is.EqualTo(Path.Combine(info.Jobs[0].WorkDir, $"slurm-{first}.out")),
            "accounting names no output file: red-box fills in Slurm's default");
        Assert.That(File.Exists(info.Jobs[0].StdOut), Is.True);
    }

    [Test]
    public async Task OpenFile_OutsideTheServedRoots_PermissionDenied()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.ReadFileAsync("/etc/passwd"));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain(_redBox.Tenancy.WorkRootOf("jobs")));
    }

    [Test]
    public void Socket_HasModeRwRw()
    {
        Assert.That(File.GetUnixFileMode(_redBox.Options.SocketPath),
            Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite));
    }

    [Test]
    public async Task Watch_HundredJobsAtOnce_CostOneSqueuePerInterval()
    {
        var ids = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add(await Client.SubmitAsync("#!/bin/sh\n#SBATCH --hold\ntrue\n"));
        }
        using var stop = new CancellationTokenSource();
        var firstStates = 0;
        var watches = ids.Select(id => Task.Run(async () =>
        {
            using var call = Client.WatchJobs(new Proto.WatchJobsRequest { JobIds = { id } }, cancellationToken: stop.Token);
            await foreach (var _ in call.ResponseStream.ReadAllAsync(stop.Token))
            {
                Interlocked.Increment(ref firstStates);
            }
        })).ToList();
        while (Volatile.Read(ref firstStates) < ids.Count)
        {
            await Task.Delay(50);
        }

        var before = _redBox.Runner.Count("squeue");
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var polls = _redBox.Runner.Count("squeue") - before;
        var intervals = clock.Elapsed / _redBox.Options.PollInterval;

        await stop.CancelAsync();
        foreach (var id in ids)
        {
            await Client.CancelJobAsync(new Proto.CancelJobRequest { JobId = id });
        }
        TestContext.Out.WriteLine($"{polls} squeue calls in {clock.Elapsed.TotalSeconds:F1} s ({intervals:F1} intervals) for 100 watched jobs");
        Assert.That(polls, Is.InRange(Math.Floor(intervals) - 1, Math.Ceiling(intervals) + 1));
    }

    [Test]
    public async Task JobInfo_ManyIdsInOneCall_AnswersEachInOrder()
    {
        var a = await Client.SubmitAsync("#!/bin/sh\ntrue\n");
        var b = await Client.SubmitAsync("#!/bin/sh\nexit 4\n");
        await Client.WaitFinishedAsync(b);
        await Client.WaitFinishedAsync(a);

        var info = await Client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { b, 999_999, a } });

        Assert.That(info.Jobs.Select(j => j.JobId), Is.EqualTo(new[] { b, 999_999, a }));
        Assert.That(info.Jobs.Select(j => j.State), Is.EqualTo(new[] { Proto.JobState.Failed, Proto.JobState.Unknown, Proto.JobState.Completed }));
    }

    [Test]
    public async Task Submit_BadPartition_InvalidArgumentWithSlurmsWords()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.SubmitAsync("#!/bin/sh\ntrue\n", partition: "no-such-partition"));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.Status.Detail, Does.Contain("Invalid partition name specified"));
    }

    [Test]
    public async Task JobSteps_OfAFinishedJob_IncludeTheBatchStep()
    {
        var id = await Client.SubmitAsync("#!/bin/sh\ntrue\n");
        await Client.WaitFinishedAsync(id);

        // Accounting receives step records a moment after the job ends: first the step's start (RUNNING), then its end.
        Proto.JobStepsResponse steps;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            steps = await Client.JobStepsAsync(new Proto.JobStepsRequest { JobId = id });
        }
        while (!steps.Steps.Any(s => s.StepId == $"{id}.batch" && s.State != Proto.JobState.Running) && DateTime.UtcNow < deadline && await Delay());

        Assert.That(steps.Steps.Single(s => s.StepId == $"{id}.batch").State, Is.EqualTo(Proto.JobState.Completed));
    }

    [Test]
    public async Task Partitions_ListTheClustersPartitionsAndNodeResources()
    {
        var partitions = (await Client.PartitionsAsync(new Proto.PartitionsRequest())).Partitions;

        var debug = partitions.Single(p => p.Name == "debug");
        Assert.That(debug.IsDefault, Is.True);
        Assert.That(debug.MaxTime, Is.Null, "unlimited");
        Assert.That(debug.Nodes, Has.Count.GreaterThanOrEqualTo(1));
        Assert.That(debug.Nodes.All(n => n.Cpus > 0 && n.MemoryMb > 0), Is.True);
        Assert.That(partitions.Single(p => p.Name == "short").MaxTime.ToTimeSpan(), Is.EqualTo(TimeSpan.FromMinutes(10)));
    }

    [Test]
    public async Task WorkloadManagerInfo_IsSlurmWithItsVersion()
    {
        var info = await Client.WorkloadManagerInfoAsync(new Proto.WorkloadManagerInfoRequest());

        Assert.That(info.Name, Is.EqualTo("slurm"));
        Assert.That(info.Version, Does.Match(@"^\d+\.\d+\.\d+"));
        Assert.That(info.Accounting, Is.True);
        Assert.That(info.Cluster, Is.EqualTo("slurmk8s"), "scripts/slurm.sh's main cluster");
    }

    [Test]
    public async Task Start_WhenALiveRedBoxAnswersOnTheSocket_Refuses()
    {
        var second = await Assert.ThrowsAsync<InvalidOperationException>(async () => await InProcessRedBox.StartAsync(_dir.Path));

        Assert.That(second!.Message, Does.Contain("already answers"));
        Assert.That((await Client.WorkloadManagerInfoAsync(new Proto.WorkloadManagerInfoRequest())).Name, Is.EqualTo("slurm"), "the first one still serves");
    }

    [Test]
    public async Task Start_WhenAStaleSocketFileRemains_ReplacesIt()
    {
        await _redBox.DisposeAsync();
        using (var stale = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            File.Delete(_redBox.Options.SocketPath);
            stale.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(_redBox.Options.SocketPath)); // bound, never listening: stale
        }

        _redBox = await InProcessRedBox.StartAsync(_dir.Path);

        Assert.That((await Client.WorkloadManagerInfoAsync(new Proto.WorkloadManagerInfoRequest())).Name, Is.EqualTo("slurm"));
    }

    private static string NewKey() => "test-" + Guid.NewGuid().ToString("N");

    private static async Task<bool> Delay()
    {
        await Task.Delay(500);
        return true;
    }

    private static async Task WaitUntilGoneFromSqueueAsync(long jobId)
    {
        var clock = Stopwatch.StartNew();
        while (await RealSlurm.InSqueueAsync(jobId))
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(150)), $"job {jobId} still in squeue: is MinJobAge short (scripts/slurm.sh)?");
            await Task.Delay(1000);
        }
        TestContext.Out.WriteLine($"job {jobId} left squeue after {clock.Elapsed.TotalSeconds:F0} s");
    }
}
