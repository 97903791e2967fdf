using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Cli;
using SlurmK8s.Companion;
using SlurmK8s.RedBox;
using SlurmK8s.RedBoxClient;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Fakes;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// The published Native AOT binary (SLURMK8S_BIN, set by ./build.sh test) run as red-box's service user with CAP_SETUID and
/// CAP_SETGID only, as a submit host runs it: jobs run as the caller's tenant's user (never red-box's) and sbatch holds no
/// capability, a crash and restart never submits twice (and a companion following a job through it re-attaches within
/// a second or two), SIGTERM stops it cleanly.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class AotRedBoxTests
{
    private const string ServiceUser = RedBoxDirectories.ServiceUser;
    private const string SocketGroup = "slurmk8s-clients";
    private static string Binary => SlurmK8sProcess.RequirePublishedBinary();

    private RedBoxDirectories _dirs = null!;
    private string Socket => _dirs.Socket;

    [OneTimeSetUp]
    public static async Task SlurmIsUpAndTheClientGroupExists()
    {
        await RealSlurm.EnsureUpAsync();
        if ((await Command.RunAsync("getent", "group", SocketGroup)).ExitCode != 0)
        {
            Assert.That((await Command.RunAsync("groupadd", "--system", SocketGroup)).ExitCode, Is.Zero);
        }
        // red-box's user must belong to the group it hands its socket to.
        await Command.RunAsync("usermod", "--append", "--groups", SocketGroup, ServiceUser);
    }

    private TempDirectory _slurmBin = null!;

    [SetUp]
    public async Task SetUp()
    {
        _dirs = await RedBoxDirectories.CreateAsync("aot");
        _slurmBin = SpyingSlurmBin();
    }

    [TearDown]
    public void TearDown()
    {
        _dirs.Dispose();
        _slurmBin.Dispose();
    }

    /// <summary>Slurm's commands, with an sbatch that first writes down who it runs as and its capabilities (sbatch.seen).</summary>
    private static TempDirectory SpyingSlurmBin()
    {
        var bin = new TempDirectory("slurmk8s-bin-");
        File.SetUnixFileMode(bin.Path, (UnixFileMode)0x1FF);
        foreach (var command in new[] { "squeue", "scontrol", "scancel", "sacct", "sinfo" })
        {
            File.CreateSymbolicLink(Path.Combine(bin.Path, command), "/usr/bin/" + command);
        }
        var sbatch = Path.Combine(bin.Path, "sbatch");
        File.WriteAllText(sbatch, $"#!/bin/sh\n{{ id -un; grep -E '^Cap(Prm|Eff|Amb):' /proc/$$/status; }} > {bin.Path}/sbatch.seen\nexec /usr/bin/sbatch \"$@\"\n");
        File.SetUnixFileMode(sbatch, (UnixFileMode)0x1ED); // 0755
        return bin;
    }

    [Test]
    public async Task Help_ListsTheFourRolesAndTheVersion()
    {
        var help = await Command.RunAsync(Binary, "--help");
        var version = await Command.RunAsync(Binary, "--version");

        Assert.That(help.StandardOutput, Does.Contain("operator").And.Contain("resourced").And.Contain("redbox").And.Contain("companion"));
        Assert.That(version.StandardOutput.Trim(), Does.StartWith("0.1.0"));
    }

    [Test]
    public async Task Redbox_AsRootWithoutAllowRoot_Refuses()
    {
        var result = await Command.RunAsync(Binary, ["redbox", "--socket", Socket, .. _dirs.Flags]);

        Assert.That(result.ExitCode, Is.EqualTo(4));
        Assert.That(result.StandardError, Does.Contain("--allow-root"));
        Assert.That(File.Exists(Socket), Is.False);
    }

    [Test]
    public async Task Redbox_AsServiceUser_RunsJobsAsTheTenantsUserWithNoCapabilitySurvivesACrashAndStopsOnSigterm()
    {
        var key = "aot-" + Guid.NewGuid().ToString("N");
        using (var redBox = await StartAsServiceUserAsync())
        {
            var client = redBox.Client;
            Assert.That(File.GetUnixFileMode(Socket), Is.EqualTo(UnixSocket.Mode));
            Assert.That((await Command.RunAsync("stat", "--format=%G", Socket)).StandardOutput.Trim(), Is.EqualTo(SocketGroup), "--socket-group sets who may connect");

            var id = await client.SubmitAsync("#!/bin/sh\necho made by $(id -un)\n", key);
            var job = await client.WaitFinishedAsync(id);

            var tenantUser = TestTenancy.UserOf("jobs");
            Assert.That(job.State, Is.EqualTo(Proto.JobState.Completed));
            Assert.That(job.User, Is.EqualTo(tenantUser), "root's tooling acts as tenant jobs: never as red-box's user");
            Assert.That(await client.ReadFileAsync(job.StdOut), Is.EqualTo($"made by {tenantUser}\n"), "read with the tenant's rights: red-box itself cannot enter its root");
            // What sbatch itself ran as: the tenant's user, holding none of red-box's capabilities.
            var sbatch = await File.ReadAllLinesAsync(Path.Combine(_slurmBin.Path, "sbatch.seen"));
            Assert.That(sbatch[0], Is.EqualTo(tenantUser));
            Assert.That(sbatch[1..], Is.EqualTo(new[] { "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000", "CapAmb:\t0000000000000000" }));
            var denied = await Assert.ThrowsAsync<RpcException>(async () => await client.ReadFileAsync("/etc/shadow"));
            Assert.That(denied!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));

            // A crash (SIGKILL), then a restart on the same host: the same key gives the same job.
            await redBox.Process.KillAsync();
        }
        using (var restarted = await StartAsServiceUserAsync())
        {
            var client = restarted.Client;
            var again = await client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\ntrue\n", IdempotencyKey = key });
            Assert.That(again.AlreadySubmitted, Is.True);
            Assert.That(await RealSlurm.JobsWithKeyAsync(key), Is.EqualTo(1));

            Assert.That(await restarted.Process.StopAsync(TimeSpan.FromSeconds(15)), Is.Zero);
            Assert.That(File.Exists(Socket), Is.False, "a clean stop removes its socket");
        }
    }

    [Test]
    public async Task Companion_RedBoxSigkilledAndBackTwoSecondsLater_ReattachesWithinTwoSecondsOutputOnceAndCompletes()
    {
        // The measurement: SIGKILL leaves a stale socket file; a new red-box replaces it 2 s later.
        var kube = new FakeKubeApi();
        var slurmJob = kube.AddSlurmJob(new SlurmJob
        {
            Metadata = new() { Name = "killed", NamespaceProperty = "ns" },
            Spec = new SlurmJobSpec { Batch = "#!/bin/sh\necho one\nsleep 1\necho two\nsleep 5\necho three\n" },
        });
        using var output = new CapturedOutput();
        var redBox = await StartAsServiceUserAsync();
        try
        {
            using var connection = RedBoxConnection.Connect(Socket);
            using var session = new CompanionSession(connection.RedBox, kube,
                new CompanionOptions { Namespace = "ns", SlurmJobName = "killed", PodName = "killed-job", SocketPath = Socket, NodeName = "node-1" },
                output, NullLoggerFactory.Instance);
            var run = session.RunAsync(CancellationToken.None);
            await Eventually.TrueAsync(() => output.Text == "one\n", "the first line, live", TimeSpan.FromSeconds(30));

            await redBox.Process.KillAsync();
            redBox.Dispose();
            Assert.That(File.Exists(Socket), Is.True, "SIGKILL leaves the socket file behind");
            await Task.Delay(TimeSpan.FromSeconds(2));
            redBox = await StartAsServiceUserAsync();
            var listening = System.Diagnostics.Stopwatch.StartNew();
            await Eventually.TrueAsync(() => output.Text.Contains("two", StringComparison.Ordinal), "the output resumes", TimeSpan.FromSeconds(10));
            var resumed = listening.Elapsed;

            Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(ExitCodes.Success));
            await TestContext.Progress.WriteLineAsync($"after SIGKILL and a restart 2 s later, the output resumed {resumed.TotalMilliseconds:F0} ms after red-box listened again");
            Assert.That(resumed, Is.LessThan(TimeSpan.FromSeconds(3)));
            Assert.That(output.Text, Is.EqualTo("one\ntwo\nthree\n"));
            Assert.That(kube.StoredSlurmJob("ns", "killed")!.Status!.Slurm?.State, Is.EqualTo(JobState.Completed));
            Assert.That(await RealSlurm.JobsWithKeyAsync(slurmJob.Metadata.Uid), Is.EqualTo(1));
        }
        finally
        {
            redBox.Dispose();
        }
    }

    private Task<RedBoxProcess> StartAsServiceUserAsync() => RedBoxProcess.StartAsync(Socket,
        new SlurmK8sProcessOptions { User = ServiceUser, UserGroups = true, SwitchUserCapabilities = true, RequirePublished = true },
        [.. _dirs.Flags, "--poll-interval", "0.3", "--socket-group", SocketGroup, "--slurm-bin", _slurmBin.Path]);
}
