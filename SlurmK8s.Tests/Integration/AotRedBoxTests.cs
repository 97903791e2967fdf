using Grpc.Core;
using SlurmK8s.RedBox;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// The published Native AOT binary (SLURMK8S_BIN, set by ./build.sh test) run as red-box's service user, as a submit
/// host runs it: jobs run as that user, a crash and restart never submits twice, SIGTERM stops it cleanly.
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

    [SetUp]
    public async Task SetUp() => _dirs = await RedBoxDirectories.CreateAsync("aot");

    [TearDown]
    public void TearDown() => _dirs.Dispose();

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
        var result = await Command.RunAsync(Binary, "redbox", "--socket", Socket, "--workdir", _dirs.WorkDir);

        Assert.That(result.ExitCode, Is.EqualTo(4));
        Assert.That(result.StandardError, Does.Contain("--allow-root"));
        Assert.That(File.Exists(Socket), Is.False);
    }

    [Test]
    public async Task Redbox_AsServiceUser_RunsJobsAsThatUserSurvivesACrashAndStopsOnSigterm()
    {
        var key = "aot-" + Guid.NewGuid().ToString("N");
        using (var redBox = await StartAsServiceUserAsync())
        {
            var client = redBox.Client;
            Assert.That(File.GetUnixFileMode(Socket), Is.EqualTo(UnixSocket.Mode));
            Assert.That((await Command.RunAsync("stat", "--format=%G", Socket)).StandardOutput.Trim(), Is.EqualTo(SocketGroup), "--socket-group sets who may connect");

            var id = await client.SubmitAsync("#!/bin/sh\necho made by $(id -un)\n", key);
            var job = await client.WaitFinishedAsync(id);

            Assert.That(job.State, Is.EqualTo(Proto.JobState.Completed));
            Assert.That(job.User, Is.EqualTo(ServiceUser));
            Assert.That(await client.ReadFileAsync($"slurm-{id}.out"), Is.EqualTo($"made by {ServiceUser}\n"));
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

    private Task<RedBoxProcess> StartAsServiceUserAsync() => RedBoxProcess.StartAsync(Socket,
        new SlurmK8sProcessOptions { User = ServiceUser, UserGroups = true, RequirePublished = true },
        "--workdir", _dirs.WorkDir, "--state-dir", _dirs.StateDir, "--poll-interval", "0.3", "--socket-group", SocketGroup);
}
