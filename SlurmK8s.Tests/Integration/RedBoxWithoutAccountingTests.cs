using System.Diagnostics;
using Grpc.Core;
using SlurmK8s.RedBox;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// red-box (its own process, as its service user) on a real Slurm whose AccountingStorageType is accounting_storage/none:
/// the second cluster of scripts/slurm.sh, reached through SLURM_CONF in red-box's environment. Brought up here and
/// removed at the end; the main cluster is never touched.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class RedBoxWithoutAccountingTests
{
    private const string ServiceUser = RedBoxDirectories.ServiceUser;
    private const string NoAccountingWarning = "Slurm accounting is disabled on this cluster";

    private RedBoxDirectories _dirs = null!;
    private string Socket => _dirs.Socket;

    [OneTimeSetUp]
    public static Task NoAccountingClusterIsUp() => NoAccountingSlurm.UpAsync();

    [OneTimeTearDown]
    public static Task NoAccountingClusterIsRemoved() => NoAccountingSlurm.PurgeAsync();

    [SetUp]
    public async Task SetUp() => _dirs = await RedBoxDirectories.CreateAsync("noacct");

    [TearDown]
    public void TearDown() => _dirs.Dispose();

    [Test]
    public async Task StartUp_WithoutAccounting_WarnsAndWorkloadManagerInfoSaysSo()
    {
        using var redBox = await StartAsync();

        var warning = await redBox.Process.WaitForLogAsync(NoAccountingWarning, TimeSpan.FromSeconds(5));
        var info = await redBox.Client.WorkloadManagerInfoAsync(new Proto.WorkloadManagerInfoRequest());
        var partitions = await redBox.Client.PartitionsAsync(new Proto.PartitionsRequest());
        var steps = await Assert.ThrowsAsync<RpcException>(async () => await redBox.Client.JobStepsAsync(new Proto.JobStepsRequest { JobId = 1 }));

        TestContext.Out.WriteLine("red-box said: " + warning);
        Assert.That(warning, Does.StartWith("warn:").And.Contain($"MinJobAge={NoAccountingSlurm.MinJobAgeSeconds}s").And.Contain("idempotency journal"));
        Assert.That(info.Name, Is.EqualTo("slurm"));
        Assert.That(info.Version, Does.StartWith("22."));
        Assert.That(info.Accounting, Is.False);
        Assert.That(partitions.Partitions.Select(p => p.Name), Is.EqualTo(new[] { "debug" }), "red-box's Slurm commands reach the no-accounting cluster");
        Assert.That(steps!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(steps.Status.Detail, Does.Contain("accounting"));
    }

    [Test]
    public async Task Submit_SameKeyAfterJobLeftSqueue_SameJobFromTheJournalAndItsStateIsUnknown()
    {
        var key = NewKey();
        long id;
        using (var redBox = await StartAsync())
        {
            id = await redBox.Client.SubmitAsync("#!/bin/sh\necho done\n", key);
            Assert.That((await redBox.Client.WaitFinishedAsync(id)).State, Is.EqualTo(Proto.JobState.Completed));
            var gone = await NoAccountingSlurm.WaitUntilGoneFromSqueueAsync(id);
            TestContext.Out.WriteLine($"job {id} left squeue {gone.TotalSeconds:F1} s after it finished (MinJobAge={NoAccountingSlurm.MinJobAgeSeconds}s)");

            // The red-box that saw the job end keeps its final state.
            Assert.That((await JobInfoAsync(redBox, id)).State, Is.EqualTo(Proto.JobState.Completed));
        }

        // Restarted: squeue no longer knows the job and there is no accounting; only the journal remembers it.
        using (var restarted = await StartAsync())
        {
            var job = await JobInfoAsync(restarted, id);
            var again = await restarted.Client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\necho twice\n", IdempotencyKey = key });
            var inQueue = await NoAccountingSlurm.JobsWithKeyAsync(key);
            var next = await restarted.Client.SubmitAsync("#!/bin/sh\ntrue\n");

            Assert.That(job.State, Is.EqualTo(Proto.JobState.Unknown));
            Assert.That(job.Finished, Is.True);
            Assert.That(job.Reason, Is.EqualTo("not in squeue, and accounting is disabled on this cluster"));
            Assert.That(again.JobId, Is.EqualTo(id));
            Assert.That(again.AlreadySubmitted, Is.True);
            Assert.That(inQueue, Is.Empty, "no second job carries the key");
            Assert.That(next, Is.EqualTo(id + 1), "no sbatch ran between the first submit and this one");
            await restarted.Client.WaitFinishedAsync(next);
        }
    }

    [Test]
    public async Task Submit_SameKeyAfterJournalLostWhileJobInSqueue_SameJobFromItsComment()
    {
        var key = NewKey();
        long id;
        using (var redBox = await StartAsync())
        {
            id = await redBox.Client.SubmitAsync("#!/bin/sh\n#SBATCH --hold\ntrue\n", key);
            await redBox.Client.WaitForStateAsync(id, Proto.JobState.Pending);
        }
        Directory.Delete(_dirs.StateDir, recursive: true);

        using (var restarted = await StartAsync())
        {
            var again = await restarted.Client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\ntrue\n", IdempotencyKey = key });

            Assert.That(again.JobId, Is.EqualTo(id), "recovered from squeue, without sacct");
            Assert.That(again.AlreadySubmitted, Is.True);
            Assert.That(await NoAccountingSlurm.JobsWithKeyAsync(key), Is.EqualTo(new[] { id.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            await restarted.Client.CancelJobAsync(new Proto.CancelJobRequest { JobId = id });
            Assert.That((await restarted.Client.WaitFinishedAsync(id)).State, Is.EqualTo(Proto.JobState.Cancelled));
        }
    }

    [Test]
    public async Task StartedBeforeTheController_OnceItAnswers_KnowsAccountingIsOff()
    {
        await NoAccountingSlurm.DownAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            using var redBox = await StartAsync();
            TestContext.Out.WriteLine($"red-box listened {clock.Elapsed.TotalSeconds:F1} s after start, with the controller down");
            // Console logging is written from a queue: the line may come a moment after the socket listens.
            await redBox.Process.WaitForLogAsync("Slurm did not answer at start-up", TimeSpan.FromSeconds(10));
            Assert.That(redBox.Process.Log, Has.None.Contains(NoAccountingWarning), "it cannot know yet");
            await NoAccountingSlurm.UpAsync();

            var key = NewKey();
            var id = await redBox.Client.SubmitAsync("#!/bin/sh\ntrue\n", key);
            var again = await redBox.Client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\ntrue\n", IdempotencyKey = key });
            var never = await JobInfoAsync(redBox, int.MaxValue);

            Assert.That(again.JobId, Is.EqualTo(id));
            Assert.That(never.State, Is.EqualTo(Proto.JobState.Unknown));
            Assert.That(never.Reason, Does.Contain("accounting is disabled"));
            // The warning comes once the controller answers.
            await redBox.Process.WaitForLogAsync(NoAccountingWarning, TimeSpan.FromSeconds(5));
            await redBox.Client.WaitFinishedAsync(id);
        }
        finally
        {
            await NoAccountingSlurm.UpAsync();
        }
    }

    private static string NewKey() => "noacct-" + Guid.NewGuid().ToString("N");

    private static async Task<Proto.Job> JobInfoAsync(RedBoxProcess redBox, long id) =>
        (await redBox.Client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { id } })).Jobs.Single();

    private Task<RedBoxProcess> StartAsync() => RedBoxProcess.StartAsync(Socket,
        new SlurmK8sProcessOptions { User = ServiceUser, UserGroups = true, SwitchUserCapabilities = true, Environment = NoAccountingSlurm.Environment },
        [.. _dirs.Flags, "--poll-interval", "0.3"]);
}
