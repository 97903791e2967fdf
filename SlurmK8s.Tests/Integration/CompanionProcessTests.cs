using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;
using SlurmK8s.Cli;
using SlurmK8s.RedBox;
using SlurmK8s.Tests.Manifests;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// `slurmk8s companion` as a process, with a kubeconfig for the real API server, against a real red-box over the real
/// Slurm: what `kubectl logs`, `kubectl get sj` and the results volume would show.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class CompanionProcessTests
{
    private const string UnprivilegedUser = "1000";

    private Kubernetes _client = null!;
    private TempDirectory _dir = null!;
    private InProcessRedBox _redBox = null!;
    private string _namespace = null!;
    private readonly List<long> _jobsToCancel = [];

    private string ResultsDir => _dir.Combine("results");

    [OneTimeSetUp]
    public async Task SlurmAndTheApiServerAreUp()
    {
        await RealSlurm.EnsureUpAsync();
        await SlurmJobCrd.EnsureInstalledAsync();
        _client = RealApiServer.CreateClient();
    }

    [OneTimeTearDown]
    public void DisposeClient() => _client.Dispose();

    [SetUp]
    public async Task SetUp()
    {
        _dir = new TempDirectory("slurmk8s-companion-");
        Directory.CreateDirectory(ResultsDir);
        _redBox = await InProcessRedBox.StartAsync(_dir.Combine("redbox"));
        _namespace = await RealApiServer.NewNamespaceAsync(_client, "comp");
        _jobsToCancel.Clear();
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var id in _jobsToCancel)
        {
            await _redBox.Client.CancelJobAsync(new Proto.CancelJobRequest { JobId = id });
        }
        await _redBox.DisposeAsync();
        _dir.Dispose();
    }

    [Test]
    public async Task Companion_JobCompletes_StreamsOutputLivePatchesStatusCollectsResultsAndExitsZero()
    {
        await CreateAsync("hello", """
            #!/bin/sh
            echo first line
            mkdir -p out && echo a > out/a.txt && echo b > out/b.txt && echo done > summary.txt
            sleep 6
            echo last line
            """, new SlurmJobResults { Files = ["out/*.txt", "summary.txt"] });
        // The operator's fields, written as the operator would: the companion's patches must leave them be.
        await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<SlurmJob>(new V1Patch("""{"status":{"phase":"Submitted","podName":"hello-job"}}""",
            V1Patch.PatchType.MergePatch), SlurmJob.Group, SlurmJob.Version, _namespace, SlurmJob.Plural, "hello");
        using var companion = Start("hello");

        await companion.WaitForOutputAsync(l => l == "first line");
        var id = (await GetAsync("hello")).Status!.Slurm!.JobId;
        _jobsToCancel.Add(id);
        var atFirstLine = await JobAsync(id);
        Assert.That(atFirstLine.Finished, Is.False, "the first line reached stdout while the job was still running");
        await Eventually.TrueAsync(async () => (await GetAsync("hello")).Status!.Slurm?.State?.Word() == "RUNNING", "the status says RUNNING while the job runs");

        Assert.That(await companion.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success), companion.StandardError);
        var status = (await GetAsync("hello")).Status!;
        Assert.That((status.Slurm?.JobId, status.Slurm?.State?.Word(), status.Slurm?.ExitCode), Is.EqualTo(((long?)id, "COMPLETED", (int?)0)));
        Assert.That(status.Slurm!.StartTime, Is.Not.Null);
        Assert.That(status.Slurm.EndTime, Is.Not.Null);
        Assert.That(status.Slurm.NodeList, Is.Not.Empty);
        Assert.That((status.Phase, status.PodName), Is.EqualTo(("Submitted", "hello-job")), "the operator's fields are untouched");
        Assert.That(companion.StandardOutput, Is.EqualTo(new[] { "first line", "last line" }));
        var target = Path.Combine(ResultsDir, "hello-job");
        Assert.That(File.ReadAllText(Path.Combine(target, "out", "a.txt")), Is.EqualTo("a\n"));
        Assert.That(File.ReadAllText(Path.Combine(target, "out", "b.txt")), Is.EqualTo("b\n"));
        Assert.That(File.ReadAllText(Path.Combine(target, "summary.txt")), Is.EqualTo("done\n"));
        Assert.That((await GetAsync("hello")).Status!.Companion?.Results?.Outcome, Is.EqualTo(ResultsOutcome.Collected));
        Assert.That(await EventReasonsAsync(), Is.Empty, "the companion reports in its status fields; the operator alone announces");
    }

    [Test]
    public async Task Companion_ScriptExitsThree_ExitsJobFailedWithStatusFailedAndStillCollectsTheOutput()
    {
        await CreateAsync("fails", "#!/bin/sh\necho about to fail\nexit 3\n", new SlurmJobResults());
        using var companion = Start("fails");

        Assert.That(await companion.WaitForExitAsync(), Is.EqualTo(ExitCodes.JobFailed), companion.StandardError);
        var status = (await GetAsync("fails")).Status!;
        Assert.That((status.Slurm?.State?.Word(), status.Slurm?.ExitCode, status.Slurm?.Reason), Is.EqualTo(("FAILED", (int?)3, "NonZeroExitCode")));
        Assert.That(companion.StandardOutput, Is.EqualTo(new[] { "about to fail" }));
        Assert.That(File.ReadAllText(Path.Combine(ResultsDir, "fails-job", $"slurm-{status.Slurm?.JobId}.out")), Is.EqualTo("about to fail\n"));
        Assert.That(await EventReasonsAsync(), Is.Empty, "the operator announces the failure; the companion reports it");
    }

    [Test]
    public async Task Companion_Array_PrefixesEachTasksLinesAndCollectsEveryTasksOutput()
    {
        await CreateAsync("array", "#!/bin/sh\n#SBATCH --array=1-2\necho task $SLURM_ARRAY_TASK_ID\nsleep 2\necho bye $SLURM_ARRAY_TASK_ID\n", new SlurmJobResults());
        using var companion = Start("array");

        Assert.That(await companion.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success), companion.StandardError);
        var status = (await GetAsync("array")).Status!;
        _jobsToCancel.Add(status.Slurm!.JobId);
        Assert.That((status.Slurm?.State?.Word(), status.Slurm!.ArrayTasks!.Total, status.Slurm.ArrayTasks.Succeeded), Is.EqualTo(("COMPLETED", 2, 2)));
        Assert.That(companion.StandardOutput, Is.EquivalentTo(new[] { "[task 1] task 1", "[task 1] bye 1", "[task 2] task 2", "[task 2] bye 2" }));
        Assert.That(companion.StandardOutput.Where(l => l.StartsWith("[task 1]", StringComparison.Ordinal)), Is.EqualTo(new[] { "[task 1] task 1", "[task 1] bye 1" }));
        foreach (var task in new[] { 1, 2 })
        {
            Assert.That(File.ReadAllText(Path.Combine(ResultsDir, "array-job", $"slurm-{status.Slurm?.JobId}_{task}.out")), Is.EqualTo($"task {task}\nbye {task}\n"));
        }
    }

    [Test]
    public async Task Companion_KilledMidJobAndRestarted_ReattachesToTheSameSlurmJobAndSubmitsNothingMore()
    {
        var slurmJob = await CreateAsync("restart", "#!/bin/sh\necho started\nsleep 8\necho finished\n", new SlurmJobResults());
        using (var first = Start("restart"))
        {
            await first.WaitForOutputAsync(l => l == "started");
            await first.KillAsync(); // no chance to say anything
        }
        var id = (await GetAsync("restart")).Status!.Slurm!.JobId;
        _jobsToCancel.Add(id);
        Assert.That((await JobAsync(id)).Finished, Is.False, "the Slurm job outlives its companion");

        using var second = Start("restart");

        Assert.That(await second.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success), second.StandardError);
        var status = (await GetAsync("restart")).Status!;
        Assert.That((status.Slurm?.JobId, status.Slurm?.State?.Word()), Is.EqualTo(((long?)id, "COMPLETED")));
        Assert.That(await RealSlurm.JobsWithKeyAsync(slurmJob.Metadata.Uid), Is.EqualTo(1));
        Assert.That(second.StandardOutput, Is.EqualTo(new[] { "started", "finished" }), "the new pod's log shows the whole output");
        Assert.That(second.StandardError, Does.Contain($"Re-attached to Slurm job {id}"));
    }

    [Test]
    public async Task Companion_RedBoxRestartsMidJob_ReconnectsAndLosesNoOutput()
    {
        await CreateAsync("bumpy", "#!/bin/sh\necho one\nsleep 5\necho two\nsleep 1\necho three\n", new SlurmJobResults());
        using var companion = Start("bumpy");
        await companion.WaitForOutputAsync(l => l == "one");
        _jobsToCancel.Add((await GetAsync("bumpy")).Status!.Slurm!.JobId);

        await _redBox.CrashAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        _redBox = await InProcessRedBox.StartAsync(_dir.Combine("redbox"));

        Assert.That(await companion.WaitForExitAsync(), Is.EqualTo(ExitCodes.Success), companion.StandardError);
        Assert.That(companion.StandardOutput, Is.EqualTo(new[] { "one", "two", "three" }));
        Assert.That((await GetAsync("bumpy")).Status!.Slurm?.State?.Word(), Is.EqualTo("COMPLETED"));
        Assert.That(companion.StandardError, Does.Contain("red-box unavailable, retrying").And.Contain("resuming"), "the watch and the tail both broke, and came back");
    }

    [Test]
    public async Task Companion_Sigterm_ExitsPromptlyAndLeavesTheSlurmJobRunning()
    {
        await CreateAsync("evicted", "#!/bin/sh\necho up\nsleep 120\n", null);
        using var companion = Start("evicted");
        await companion.WaitForOutputAsync(l => l == "up");
        var id = (await GetAsync("evicted")).Status!.Slurm!.JobId;
        _jobsToCancel.Add(id);

        var stopped = DateTime.UtcNow;
        await companion.TerminateAsync();

        Assert.That(await companion.WaitForExitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(ExitCodes.Terminated), companion.StandardError);
        Assert.That(DateTime.UtcNow - stopped, Is.LessThan(TimeSpan.FromSeconds(5)));
        // red-box's view may lag a poll behind the job's first line; what matters is that the job goes on.
        await Eventually.TrueAsync(async () => (await JobAsync(id)).State == Proto.JobState.Running, "the Slurm job runs on without its companion");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.That((await JobAsync(id)).State, Is.EqualTo(Proto.JobState.Running), "nobody cancelled it");
    }

    [Test]
    public async Task Companion_SlurmJobCancelledOutsideKubernetes_ReportsCancelledAndExits()
    {
        await CreateAsync("scancelled", "#!/bin/sh\necho up\nsleep 120\n", null);
        using var companion = Start("scancelled");
        await companion.WaitForOutputAsync(l => l == "up");
        var id = (await GetAsync("scancelled")).Status!.Slurm!.JobId;
        _jobsToCancel.Add(id);

        var scancel = await Command.RunAsync("scancel", id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.That(scancel.Succeeded, scancel.StandardError);
        Assert.That(await companion.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(ExitCodes.JobCancelled), companion.StandardError);
        Assert.That((await GetAsync("scancelled")).Status!.Slurm?.State?.Word(), Does.StartWith("CANCELLED"), "the operator reads this as phase Cancelled");
    }

    [Test]
    public async Task Companion_SlurmJobDeletedMidJob_CancelsTheSlurmJobAndExits()
    {
        await CreateAsync("doomed", "#!/bin/sh\necho up\nsleep 120\n", null, finalizer: "slurm.sylabs.io/test-hold");
        using var companion = Start("doomed");
        await companion.WaitForOutputAsync(l => l == "up");
        var id = (await GetAsync("doomed")).Status!.Slurm!.JobId;
        _jobsToCancel.Add(id);

        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(SlurmJob.Group, SlurmJob.Version, _namespace, SlurmJob.Plural, "doomed");

        Assert.That(await companion.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(ExitCodes.JobCancelled), companion.StandardError);
        Assert.That((await JobAsync(id)).State, Is.EqualTo(Proto.JobState.Cancelled));
        var left = await GetAsync("doomed");
        Assert.That(left.Metadata.DeletionTimestamp, Is.Not.Null, "the finalizer holds the object while the job is cancelled");
        Assert.That(left.Status!.Slurm?.State?.Word(), Is.EqualTo("CANCELLED"));
        Assert.That(companion.StandardError, Does.Contain($"cancelling Slurm job {id}"));
    }

    [Test]
    public async Task Companion_ResultsDirNotWritableForItsUser_FailsNamingThePathItsUidGidAndTheFix()
    {
        // The companion runs as uid 1000 (the operator's default); the results folder belongs to root, mode 0755.
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        var kubeconfig = _dir.Combine("kubeconfig");
        File.Copy(RealApiServer.KubeconfigPath, kubeconfig);
        File.SetUnixFileMode(kubeconfig, (UnixFileMode)0b110_100_100);
        await CreateAsync("locked", "#!/bin/sh\necho never\n", new SlurmJobResults
        {
            Mount = new V1Volume { Name = "results", HostPath = new V1HostPathVolumeSource { Path = ResultsDir } },
        });
        using var companion = Start("locked", kubeconfig, UnprivilegedUser);

        Assert.That(await companion.WaitForExitAsync(), Is.EqualTo(ExitCodes.ResultsNotWritable), companion.StandardError);
        var target = Path.Combine(ResultsDir, "locked-job");
        Assert.That(companion.StandardError, Does.Contain(target).And.Contain("uid 1000 gid 1000").And.Contain($"chown 1000:1000 {ResultsDir}"));
        Assert.That(companion.StandardError, Does.Contain($"{ResultsDir} is owned by uid 0 gid 0 with mode 0755"));
        var status = (await GetAsync("locked")).Status!;
        Assert.That((status.Companion?.Results?.Outcome.ToString(), status.Slurm?.JobId), Is.EqualTo(("ResultsNotWritable", (long?)null)), "nothing was submitted");
        Assert.That(status.Companion!.Results!.Message, Does.Contain(target));
    }

    private SlurmK8sProcess Start(string name, string? kubeconfig = null, string? asUser = null) => SlurmK8sProcess.Start("companion",
    [
        "--socket", _redBox.Options.SocketPath, "--namespace", _namespace, "--slurmjob", name, "--pod-name", name + "-job",
        "--results-dir", ResultsDir, "--kubeconfig", kubeconfig ?? RealApiServer.KubeconfigPath, "--log-format", "text",
    ], new SlurmK8sProcessOptions { User = asUser });

    private async Task<SlurmJob> CreateAsync(string name, string batch, SlurmJobResults? results, string? finalizer = null)
    {
        var slurmJob = new SlurmJob
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = _namespace, Finalizers = finalizer is null ? null : [finalizer] },
            Spec = new SlurmJobSpec { Batch = batch.Replace("\r", "", StringComparison.Ordinal) + "\n", Results = results },
        };
        return await _client.CustomObjects.CreateNamespacedCustomObjectAsync<SlurmJob>(slurmJob, SlurmJob.Group, SlurmJob.Version, _namespace, SlurmJob.Plural);
    }

    private Task<SlurmJob> GetAsync(string name) =>
        _client.CustomObjects.GetNamespacedCustomObjectAsync<SlurmJob>(SlurmJob.Group, SlurmJob.Version, _namespace, SlurmJob.Plural, name);

    private async Task<Proto.Job> JobAsync(long id) =>
        (await _redBox.Client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { id } })).Jobs[0];

    private async Task<IReadOnlyList<string>> EventReasonsAsync() =>
        (await _client.CoreV1.ListNamespacedEventAsync(_namespace)).Items.Select(e => e.Reason).ToList();
}
