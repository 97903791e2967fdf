using Grpc.Core;
using SlurmK8s.Os;
using SlurmK8s.RedBox.Callers;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// Two tenants on one red-box over the real Slurm: namespace team-a's SlurmJob and namespace team-b acting as a hostile
/// neighbour. red-box's kernel side (who is calling) has its own tests; here red-box is told who calls, and every attack
/// of issue 9 is made through its gRPC API and from inside a tenant's own batch script.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class TenancyOnRealSlurmTests
{
    private const string LongScript = "#!/bin/sh\necho started\nsleep 60\necho finished\n";
    private TempDirectory _dir = null!;
    private InProcessRedBox _redBox = null!;

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

    private static Caller CompanionOf(string @namespace, string slurmJob, string uid) =>
        new(Environment.ProcessId, 1000, 1000, new PodIdentity(@namespace, slurmJob + "-job", Guid.NewGuid().ToString(), "slurm-companion", slurmJob, uid));

    private static Caller PodOf(string @namespace) =>
        new(Environment.ProcessId, 1000, 1000, new PodIdentity(@namespace, "shell", Guid.NewGuid().ToString(), "default"));

    /// <summary>Team A's SlurmJob running: its companion's client, its key and its Slurm job.</summary>
    private async Task<(Proto.RedBox.RedBoxClient Client, string Key, Proto.SubmitJobResponse Job)> StartTeamAJobAsync(string script = LongScript)
    {
        var key = Guid.NewGuid().ToString();
        var client = await _redBox.ClientAsAsync(CompanionOf("team-a", "victim", key));
        var job = await client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = script, IdempotencyKey = key });
        await client.WaitForStateAsync(job.JobId, Proto.JobState.Running);
        return (client, key, job);
    }

    [Test]
    public async Task EachTenantsJob_RunsAsItsUserAndAccount_InItsOwnDirectory_WithOutputItsUserOwns()
    {
        var a = await _redBox.ClientAsAsync(CompanionOf("team-a", "one", "uid-a-" + Guid.NewGuid()));
        var b = await _redBox.ClientAsAsync(CompanionOf("team-b", "one", "uid-b-" + Guid.NewGuid()));

        var jobA = await a.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\nid -un\n", IdempotencyKey = "k" });
        var jobB = await b.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\nid -un\n", IdempotencyKey = "k" });
        var doneA = await a.WaitFinishedAsync(jobA.JobId);
        var doneB = await b.WaitFinishedAsync(jobB.JobId);

        Assert.That(jobB.JobId, Is.Not.EqualTo(jobA.JobId), "the same key from another tenant is another job");
        Assert.That((doneA.User, doneB.User), Is.EqualTo(("sk8s-team-a", "sk8s-team-b")));
        Assert.That(await a.ReadFileAsync(doneA.StdOut), Is.EqualTo("sk8s-team-a\n"));
        Assert.That(jobA.WorkDir, Does.StartWith(_redBox.Tenancy.WorkRootOf("team-a") + "/team-a/one-"));
        Assert.That(Libc.FileOwner(doneA.StdOut)?.Uid, Is.EqualTo(Libc.FileOwner(_redBox.Tenancy.WorkRootOf("team-a"))?.Uid), "the output belongs to the tenant's user");
        var accounts = await RealSlurm.AccountingFieldsAsync(jobA.JobId, "User,Account");
        Assert.That(accounts, Is.EqualTo("sk8s-team-a|team-a"), "sacct charges team-a's account to team-a's user");
    }

    [Test]
    public async Task NeighbourThroughRedBox_CannotSeeCancelOrReadTheOtherTenantsJob()
    {
        var (_, key, victim) = await StartTeamAJobAsync();
        var neighbour = await _redBox.ClientAsAsync(PodOf("team-b"));

        var info = await neighbour.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { victim.JobId } });
        var cancel = await Assert.ThrowsAsync<RpcException>(async () => await neighbour.CancelJobAsync(new Proto.CancelJobRequest { JobId = victim.JobId }));
        var cancelByKey = await Assert.ThrowsAsync<RpcException>(async () => await neighbour.CancelJobAsync(new Proto.CancelJobRequest { IdempotencyKey = key }));
        var read = await Assert.ThrowsAsync<RpcException>(async () => await neighbour.ReadFileAsync(Path.Combine(victim.WorkDir, $"slurm-{victim.JobId}.out")));
        var list = await Assert.ThrowsAsync<RpcException>(async () => await neighbour.ListFilesAsync(new Proto.ListFilesRequest { Pattern = victim.WorkDir + "/*" }));
        var tail = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = neighbour.TailFile(new Proto.TailFileRequest { JobId = victim.JobId });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        var steps = await Assert.ThrowsAsync<RpcException>(async () => await neighbour.JobStepsAsync(new Proto.JobStepsRequest { JobId = victim.JobId }));
        var tailPath = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = neighbour.TailFile(new Proto.TailFileRequest { Path = Path.Combine(victim.WorkDir, $"slurm-{victim.JobId}.out") });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        var watched = new List<Proto.Job>();
        using (var watch = neighbour.WatchJobs(new Proto.WatchJobsRequest { JobIds = { victim.JobId } }))
        {
            await foreach (var job in watch.ResponseStream.ReadAllAsync())
            {
                watched.Add(job);
            }
        }
        var claimed = await neighbour.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\ntrue\n", IdempotencyKey = key });

        Assert.That((info.Jobs[0].State, info.Jobs[0].User, info.Jobs[0].Name), Is.EqualTo((Proto.JobState.Unknown, "", "")), "as if there were no such job");
        Assert.That(new[] { cancel!.StatusCode, cancelByKey!.StatusCode, tail!.StatusCode, steps!.StatusCode }, Has.All.EqualTo(StatusCode.NotFound));
        Assert.That((read!.StatusCode, list!.StatusCode, tailPath!.StatusCode), Is.EqualTo((StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.PermissionDenied)));
        Assert.That(watched.Select(j => (j.State, j.User, j.Finished)), Is.EqualTo(new[] { (Proto.JobState.Unknown, "", true) }),
            "a watch of another tenant's job reports it once as unknown and ends");
        Assert.That(claimed.JobId, Is.Not.EqualTo(victim.JobId), "team-a's key from team-b returns team-b's own job");
        await AssertStillRunningAsync(victim.JobId);
    }

    [Test]
    public async Task NeighboursBatchScript_CannotCancelOrReadTheOtherTenantsJob_NorTouchRedBoxsState()
    {
        var (_, _, victim) = await StartTeamAJobAsync();
        var victimOutput = Path.Combine(victim.WorkDir, $"slurm-{victim.JobId}.out");
        var journal = Path.Combine(_redBox.Options.StateDir, "idempotency.journal");
        var key = Guid.NewGuid().ToString();
        var attacker = await _redBox.ClientAsAsync(CompanionOf("team-b", "attacker", key));
        var script = "#!/bin/sh\n"
            + $"scancel {victim.JobId} && echo CANCELLED-IT || echo scancel-refused\n"
            + $"cat {victimOutput} && echo READ-IT || echo read-refused\n"
            + $"cat {journal} && echo READ-JOURNAL || echo journal-refused\n"
            + $"ln {journal} ./journal && echo LINKED-JOURNAL || echo link-refused\n"
            + $"echo x >> {journal} && echo WROTE-JOURNAL || echo write-refused\n";

        var job = await attacker.SubmitJobAsync(new Proto.SubmitJobRequest { Script = script, IdempotencyKey = key });
        var done = await attacker.WaitFinishedAsync(job.JobId);
        var output = await attacker.ReadFileAsync($"slurm-{job.JobId}.out");

        Assert.That(done.State, Is.EqualTo(Proto.JobState.Completed), output);
        Assert.That(output, Does.Contain("scancel-refused").And.Contain("read-refused").And.Contain("journal-refused")
            .And.Contain("link-refused").And.Contain("write-refused"), output);
        await AssertStillRunningAsync(victim.JobId);
    }

    [Test]
    public async Task NeighboursResultsFrom_NamingTheOtherTenantsOutput_CollectsNothingOfIt()
    {
        var (_, _, victim) = await StartTeamAJobAsync();
        var key = Guid.NewGuid().ToString();
        var attacker = await _redBox.ClientAsAsync(CompanionOf("team-b", "thief", key));
        var job = await attacker.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\ntrue\n", IdempotencyKey = key });
        await attacker.WaitFinishedAsync(job.JobId);

        // results.from is relative to the job's own directory; an absolute path must stay under the tenant's root.
        var relative = await Assert.ThrowsAsync<RpcException>(async () => await attacker.ReadFileAsync($"slurm-{victim.JobId}.out"));
        var absolute = await Assert.ThrowsAsync<RpcException>(async () => await attacker.ReadFileAsync(Path.Combine(victim.WorkDir, $"slurm-{victim.JobId}.out")));
        var upward = await Assert.ThrowsAsync<RpcException>(async () => await attacker.ReadFileAsync($"../../../team-a/team-a/victim-{victim.JobId}/slurm-{victim.JobId}.out"));

        Assert.That(relative!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That((absolute!.StatusCode, upward!.StatusCode), Is.EqualTo((StatusCode.PermissionDenied, StatusCode.PermissionDenied)));
    }

    [Test]
    public async Task KeyPreClaimedByTheNeighbourBeforeTheSlurmJobSubmits_DoesNotHijackIt_AndNoCommentShowsTheKey()
    {
        var key = Guid.NewGuid().ToString();
        var neighbour = await _redBox.ClientAsAsync(PodOf("team-b"));
        var claimed = await neighbour.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\n#SBATCH --hold\ntrue\n", IdempotencyKey = key });

        var owner = await _redBox.ClientAsAsync(CompanionOf("team-a", "waiting", key));
        var own = await owner.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\ntrue\n", IdempotencyKey = key });
        var comments = (await Command.RunAsync("squeue", "--noheader", "--states=all", $"--jobs={claimed.JobId},{own.JobId}", "--format=%k")).StandardOutput;

        Assert.That((own.JobId == claimed.JobId, own.AlreadySubmitted), Is.EqualTo((false, false)), "the SlurmJob runs its own script");
        Assert.That(comments, Does.Contain(SlurmK8s.RedBox.Scoping.CallScope.CommentPrefix).And.Not.Contain(key), "squeue shows every user the comments: only hashes");
        await neighbour.CancelJobAsync(new Proto.CancelJobRequest { JobId = claimed.JobId });
    }

    [Test]
    public async Task KeyForgedInTheNeighboursOwnJobComment_AfterRedBoxLostItsJournal_DoesNotHijack()
    {
        // Team B's user submits, outside red-box, a held job whose comment is team A's scoped key; then red-box loses its state.
        var key = Guid.NewGuid().ToString();
        var victim = CompanionOf("team-a", "forged", key);
        var teamA = new SlurmK8s.RedBox.Tenancy.Tenant("team-a", new UnixUser("sk8s-team-a", 0, 0, [], "/"), "team-a", [], [], "/");
        var forgedComment = new SlurmK8s.RedBox.Scoping.CallScope(victim, teamA).Comment(key);
        var forged = await Command.RunAsync("runuser", "-u", "sk8s-team-b", "--", "sbatch", "--parsable", "--hold", "--chdir=/tmp", $"--comment={forgedComment}",
            "--wrap=true");
        Assert.That(forged.ExitCode, Is.Zero, forged.StandardError);
        await _redBox.DisposeAsync();
        Directory.Delete(_redBox.Options.StateDir, recursive: true);
        _redBox = await InProcessRedBox.StartAsync(_dir.Path);

        var owner = await _redBox.ClientAsAsync(victim);
        var own = await owner.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\ntrue\n", IdempotencyKey = key });

        Assert.That(own.JobId.ToString(System.Globalization.CultureInfo.InvariantCulture), Is.Not.EqualTo(forged.StandardOutput.Trim()));
        Assert.That(own.AlreadySubmitted, Is.False);
        await Command.RunAsync("scancel", forged.StandardOutput.Trim());
    }

    [Test]
    public async Task HostProcessOfAnUnlistedUid_MayNotEvenReadPartitions()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _redBox.ClientAsAsync(new Caller(Environment.ProcessId, 2002, 2002, null), c => c.PartitionsAsync(new Proto.PartitionsRequest()).ResponseAsync));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
    }

    [Test]
    public async Task CompanionOfAnotherSlurmJob_WithThatJobsIdInItsStatus_CannotCancelIt()
    {
        // Same tenant, another SlurmJob: a status patched with the victim's id does not make its companion cancel it.
        var (_, _, victim) = await StartTeamAJobAsync();
        var other = await _redBox.ClientAsAsync(CompanionOf("team-a", "other", Guid.NewGuid().ToString()));

        var byId = await Assert.ThrowsAsync<RpcException>(async () => await other.CancelJobAsync(new Proto.CancelJobRequest { JobId = victim.JobId }));
        var byOwnKey = await Assert.ThrowsAsync<RpcException>(async () => await other.CancelJobAsync(new Proto.CancelJobRequest { IdempotencyKey = "never-submitted" }));

        Assert.That((byId!.StatusCode, byOwnKey!.StatusCode), Is.EqualTo((StatusCode.NotFound, StatusCode.NotFound)));
        await AssertStillRunningAsync(victim.JobId);
    }

    [Test]
    public async Task Companion_CancelsItsOwnJobByItsKey()
    {
        var (client, key, victim) = await StartTeamAJobAsync();

        var cancelled = await client.CancelJobAsync(new Proto.CancelJobRequest { IdempotencyKey = key });

        Assert.That(cancelled.JobId, Is.EqualTo(victim.JobId));
        Assert.That((await client.WaitFinishedAsync(victim.JobId)).State, Is.EqualTo(Proto.JobState.Cancelled));
    }

    [Test]
    public async Task UnmappedNamespaceAndUnlistedHostUid_AreRefusedNamingWhatAndWhere()
    {
        var stranger = await Assert.ThrowsAsync<RpcException>(async () => await _redBox.ClientAsAsync(PodOf("team-c")));
        var hostUser = await Assert.ThrowsAsync<RpcException>(async () => await _redBox.ClientAsAsync(new Caller(Environment.ProcessId, 2002, 2002, null)));

        Assert.That(stranger!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(stranger.Status.Detail, Does.Contain("team-c").And.Contain(_redBox.Tenancy.File));
        Assert.That(hostUser!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(hostUser.Status.Detail, Does.Contain("2002"));
    }

    [Test]
    public async Task PodOfAnUnmappedNamespace_MayReadWhatEveryCallerMayButSubmitNothing()
    {
        // resourced's and the operator's pods ask for partitions without being anyone's tenant.
        var client = await _redBox.ClientAsAsync(PodOf("slurmk8s-system"), c => c.WorkloadManagerInfoAsync(new Proto.WorkloadManagerInfoRequest()).ResponseAsync);

        var partitions = await client.PartitionsAsync(new Proto.PartitionsRequest());
        var submit = await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\ntrue\n" }));

        Assert.That(partitions.Partitions, Is.Not.Empty);
        Assert.That(submit!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
    }

    [Test]
    public async Task ScriptAskingForAnotherTenantsAccount_IsRefusedBeforeSlurm()
    {
        var client = await _redBox.ClientAsAsync(CompanionOf("team-b", "sneaky", Guid.NewGuid().ToString()));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\n#SBATCH --account=team-a\ntrue\n", IdempotencyKey = "k" }));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(error.Status.Detail, Does.Contain("account team-a").And.Contain("team-b"));
    }

    [Test]
    public async Task TenancyFileChangedWhileAJobRuns_NewCallsFollowIt_TheRunningJobIsUntouched_ABrokenFileChangesNothing()
    {
        var (_, _, running) = await StartTeamAJobAsync();
        var original = await File.ReadAllTextAsync(_redBox.Tenancy.File);

        // A broken file: the last good one stays in force.
        await ReplaceAsync(original + "\n  this is: [not yaml\n");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var stillMapped = await _redBox.ClientAsAsync(PodOf("team-b"));
        Assert.That((await stillMapped.WhoAmIAsync(new Proto.WhoAmIRequest())).Tenant, Is.EqualTo("team-b"));

        // team-b's mapping removed: its new connections are refused; team-a's job runs on.
        await ReplaceAsync(original.Replace("  namespaces:\n  - namespace: team-b\n", "", StringComparison.Ordinal));
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await _redBox.ClientAsAsync(PodOf("team-b"));
                return false;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
            {
                return true;
            }
        }, "team-b refused after the change", TimeSpan.FromSeconds(15));
        await AssertStillRunningAsync(running.JobId);
    }

    private async Task ReplaceAsync(string text)
    {
        var temporary = _redBox.Tenancy.File + ".new";
        await File.WriteAllTextAsync(temporary, text);
        File.SetUnixFileMode(temporary, (UnixFileMode)0x1A4);
        File.Move(temporary, _redBox.Tenancy.File, overwrite: true);
    }

    /// <summary>Asks Slurm itself: the host caller (root, tenant jobs) cannot see team-a's job through red-box either.</summary>
    private static async Task AssertStillRunningAsync(long jobId) =>
        Assert.That(await RealSlurm.StateAsync(jobId), Is.EqualTo("RUNNING"), $"job {jobId} keeps running");
}
