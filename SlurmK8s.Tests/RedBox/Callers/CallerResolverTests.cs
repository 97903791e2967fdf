using System.Diagnostics;
using SlurmK8s.Os;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.RedBox.Callers;

internal sealed class CallerResolverTests
{
    private const int Pid = 4242;
    private const string UidA = "0a1b2c3d-0000-4000-8000-00000000000a";
    private const string UidB = "0a1b2c3d-0000-4000-8000-00000000000b";
    private static readonly PodIdentity PodA = new("team-a", "a-job", UidA, "default", "a", "5a000000-0000-4000-8000-000000000001");
    private static readonly PodIdentity PodB = new("team-b", "x-job", UidB, "default", "x", "5b000000-0000-4000-8000-000000000001");

    private FakeProc _proc = null!;
    private FakePodDirectory _pods = null!;
    private CallerResolver _resolver = null!;

    [SetUp]
    public void SetUp()
    {
        _proc = new FakeProc();
        _pods = new FakePodDirectory("node-1").Add(PodA).Add(PodB);
        _resolver = new CallerResolver(_pods, _proc.Root);
    }

    [TearDown]
    public void TearDown() => _proc.Dispose();

    [Test]
    public async Task ResolveAsync_WhenTheProcessIsInAPodOnThisNode_IdentifiesThePod()
    {
        _proc.Add(Pid, 1000, PodCgroup(UidB));

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.Caller, Is.EqualTo(new Caller(Pid, 1000, 1000, PodB)), resolution.Refusal);
        Assert.That(resolution.Caller!.Describe(),
            Is.EqualTo($"pod team-b/x-job (uid {UidB}, sa default, SlurmJob x) pid 4242 uid 1000"));
    }

    [Test]
    public async Task ResolveAsync_WhenTheProcessIsOnTheHost_KnowsItByItsUidOnlyAndAsksForNoPod()
    {
        _proc.Add(Pid, 1000, "0::/user.slice/user-0.slice/session-1.scope\n");

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 0, 0), CancellationToken.None);

        Assert.That(resolution.Caller, Is.EqualTo(new Caller(Pid, 0, 0, null)), resolution.Refusal);
        Assert.That(resolution.Caller!.Describe(), Is.EqualTo("host process pid 4242 uid 0"));
        Assert.That(_pods.Lookups, Is.Zero);
    }

    [Test]
    public async Task ResolveAsync_WhenThePidIsReusedByAnotherPodsProcessDuringTheLookup_Refuses()
    {
        // The attack: B's process connects, then exits; A's next process gets the pid while red-box looks B up.
        _proc.Add(Pid, 1000, PodCgroup(UidB));
        _pods.OnFind = _ => _proc.Add(Pid, 1001, PodCgroup(UidA));

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.IsIdentified, Is.False);
        Assert.That(resolution.Refusal, Is.EqualTo("the calling process exited or was replaced while red-box identified it (pid 4242, uid 1000)"));
    }

    [Test]
    public async Task ResolveAsync_WhenTheProcessExitsDuringTheLookup_Refuses()
    {
        _proc.Add(Pid, 1000, PodCgroup(UidB));
        _pods.OnFind = _ => _proc.Remove(Pid);

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.Refusal, Does.StartWith("the calling process exited or was replaced"));
    }

    [Test]
    public async Task ResolveAsync_WhenTheProcessIsGoneBeforeTheFirstRead_Refuses()
    {
        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.Refusal, Does.StartWith("the calling process exited or was replaced"));
    }

    [Test]
    public async Task ResolveAsync_WhenTheConnectingProcessExitedAndItsPidWasReusedBeforeRedBoxLooked_RefusesThroughThePidFd()
    {
        // /proc is consistent (A's process sits at the pid, same start time twice); only the pidfd knows the caller is gone.
        _proc.Add(Pid, 1000, PodCgroup(UidA));
        using var exited = await ExitedProcessPidFdAsync();

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000, exited), CancellationToken.None);

        Assert.That(resolution.Refusal, Does.StartWith("the calling process exited or was replaced"));
    }

    [Test]
    public async Task ResolveAsync_WhenThePidFdSaysTheCallerIsAlive_Identifies()
    {
        _proc.Add(Pid, 1000, PodCgroup(UidA));
        using var alive = PidFdHandle.Open(Environment.ProcessId);
        Assert.That(alive, Is.Not.Null, "pidfd_open on this kernel");

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000, alive), CancellationToken.None);

        Assert.That(resolution.Caller?.Pod, Is.EqualTo(PodA), resolution.Refusal);
    }

    [Test]
    public async Task ResolveAsync_WhenTheCgroupFileIsMissing_RefusesNamingTheFile()
    {
        _proc.Add(Pid, 1000, cgroup: null);

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.Refusal, Does.StartWith($"red-box could not read {_proc.Root}/4242/cgroup of the calling process (pid 4242, uid 1000): "));
    }

    [Test]
    public async Task ResolveAsync_WhenTheCgroupFileCannotBeRead_Refuses()
    {
        _proc.Add(Pid, 1000, cgroup: null);
        Directory.CreateDirectory(Path.Combine(_proc.Root, "4242", "cgroup"));

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.Refusal, Does.StartWith("red-box could not read"));
    }

    [Test]
    public async Task ResolveAsync_WhenThePodIsNotOnThisNode_RefusesForNowNamingThePodUidAndTheNode()
    {
        const string elsewhere = "0a1b2c3d-0000-4000-8000-0000000000ff";
        _proc.Add(Pid, 1000, PodCgroup(elsewhere));

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.Refusal, Is.EqualTo(
            $"the calling process (pid 4242, uid 1000) runs in pod {elsewhere}, which is not among the pods on node node-1 that red-box watches"));
        Assert.That((resolution.IsIdentified, resolution.MayChange), Is.EqualTo((false, true)), "a pod the watch has not shown yet: ask again, never let in");
    }

    [Test]
    public async Task ResolveAsync_WhenThePodsWereNeverListed_SaysSo()
    {
        _pods.HasSynced = false;
        _proc.Add(Pid, 1000, PodCgroup("0a1b2c3d-0000-4000-8000-0000000000ff"));

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.Refusal, Does.EndWith("; red-box has not listed them yet — can it reach the API server?"));
    }

    [Test]
    public async Task ResolveAsync_WhenTheCgroupsNameTwoPods_RefusesAndAsksForNeither()
    {
        _proc.Add(Pid, 1000, $"4:memory:/kubepods/pod{UidA}/c1\n0::/kubepods/pod{UidB}/c1\n");

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.Refusal, Is.EqualTo(
            $"red-box cannot tell which pod the calling process (pid 4242, uid 1000) runs in: {_proc.Root}/4242/cgroup names different pods ({UidA}, {UidB})"));
        Assert.That(_pods.Lookups, Is.Zero);
    }

    [Test]
    public async Task ResolveAsync_WhenALoginUserNamesACgroupAfterAnotherPod_Refuses()
    {
        _proc.Add(Pid, 1000, $"0::/user.slice/user-1000.slice/user@1000.service/app.slice/pod{UidA}/x\n");

        var resolution = await _resolver.ResolveAsync(new PeerCredentials(Pid, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.IsIdentified, Is.False);
        Assert.That(resolution.Refusal, Does.Contain("user.slice"));
    }

    [Test]
    public async Task ResolveAsync_WhenTheKernelGivesNoPid_Refuses()
    {
        var resolution = await _resolver.ResolveAsync(new PeerCredentials(0, 1000, 1000), CancellationToken.None);

        Assert.That(resolution.Refusal, Does.StartWith("red-box cannot identify the calling process (uid 1000): the kernel gives no pid"));
    }

    [Test]
    public async Task ResolveAsync_ThisProcessOverTheRealProc_IsAHostProcess()
    {
        var resolver = new CallerResolver(_pods);
        using var self = PidFdHandle.Open(Environment.ProcessId);

        var resolution = await resolver.ResolveAsync(new PeerCredentials(Environment.ProcessId, 0, 0, self), CancellationToken.None);

        Assert.That(resolution.Caller, Is.EqualTo(new Caller(Environment.ProcessId, 0, 0, null)), resolution.Refusal);
    }

    private static string PodCgroup(string podUid) =>
        $"9:name=systemd:/kubepods/besteffort/pod{podUid}/c1\n4:memory:/kubepods/besteffort/pod{podUid}/c1\n0::/kubepods/besteffort/pod{podUid}/c1\n";

    /// <summary>A pidfd of a process that has exited and been reaped.</summary>
    internal static async Task<PidFdHandle> ExitedProcessPidFdAsync()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        var pidFd = PidFdHandle.Open(child.Id) ?? throw new AssertionException("pidfd_open of a live child failed");
        child.Kill();
        await child.WaitForExitAsync();
        Assert.That(Libc.PidFdSendSignal((int)pidFd.DangerousGetHandle(), 0), Is.EqualTo(3), "ESRCH once the child is reaped");
        return pidFd;
    }
}
