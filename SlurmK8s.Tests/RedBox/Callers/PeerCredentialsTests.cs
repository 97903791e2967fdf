using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using SlurmK8s.Os;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.RedBox.Callers;

/// <summary>The kernel's word about a real peer on a real Unix socket.</summary>
internal sealed class PeerCredentialsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly List<Process> _children = [];
    private TempDirectory _directory = null!;
    private Socket _listener = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        // Another user's process must reach the socket: open the directory and the socket to all (a test-only socket).
        File.SetUnixFileMode(_directory.Path, (UnixFileMode)0x1ED); // 0755
        _path = _directory.Combine("peer.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen();
        File.SetUnixFileMode(_path, (UnixFileMode)0x1FF); // 0777
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var child in _children)
        {
            // socat's own child (sleep) too.
            child.Kill(entireProcessTree: true);
            child.Dispose();
        }
        _children.Clear();
        _listener.Dispose();
        _directory.Dispose();
    }

    [Test]
    public async Task Read_FromAConnectionThisProcessMade_IsThisProcessWithAPidFdBoundToIt()
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(_path));
        using var accepted = await _listener.AcceptAsync().WaitAsync(Patience);

        using var peer = PeerCredentials.Read(accepted);

        Assert.That(peer.Pid, Is.EqualTo(Environment.ProcessId));
        Assert.That(peer.Uid, Is.EqualTo(Libc.GetEffectiveUserId()).And.EqualTo(0u), "the tests run as root here");
        Assert.That(peer.Gid, Is.EqualTo(Libc.GetEffectiveGroupId()));
        // Kernel 6.18 here: SO_PEERPIDFD (6.5+) gives a pidfd, and fdinfo says which process it stands for.
        Assert.That(peer.PidFd, Is.Not.Null);
        Assert.That(peer.PidFd!.IsAlive());
        Assert.That(PidOfPidFd(peer.PidFd), Is.EqualTo(Environment.ProcessId));
    }

    [Test]
    public async Task Read_WhenAnotherUsersProcessConnects_IsThatProcessAndUserNotRedBoxs()
    {
        var child = StartSocatAs("nobody");
        using var accepted = await _listener.AcceptAsync().WaitAsync(Patience);

        using var peer = PeerCredentials.Read(accepted);

        Assert.That(peer.Pid, Is.EqualTo(child.Id));
        Assert.That((peer.Uid, peer.Gid), Is.EqualTo((65534u, 65534u)));
        Assert.That(PidOfPidFd(peer.PidFd!), Is.EqualTo(child.Id));
        Assert.That(peer.PidFd!.IsAlive(), "alive: red-box may not signal another user's process (EPERM), yet it exists");
    }

    [Test]
    public async Task ResolveAsync_WhenTheConnectingProcessHasExitedButItsConnectionLives_Refuses()
    {
        // The peer hands its connection on and exits (here: the connection outlives socat, held by the accepted end);
        // its pid may then belong to anyone. The pidfd and the start time both know.
        var child = StartSocatAs("nobody");
        using var accepted = await _listener.AcceptAsync().WaitAsync(Patience);
        using var peer = PeerCredentials.Read(accepted);
        child.Kill(entireProcessTree: true);
        await child.WaitForExitAsync();
        var resolver = new CallerResolver(new FakePodDirectory(), "/proc");

        var resolution = await resolver.ResolveAsync(peer, CancellationToken.None);

        Assert.That(resolution.Refusal, Does.StartWith("the calling process exited or was replaced while red-box identified it"));
    }

    [Test]
    public async Task Read_WhenTheConnectingProcessExitedBeforeRedBoxAsked_GivesNoLivePidFd()
    {
        var child = StartSocatAs("nobody");
        using var accepted = await _listener.AcceptAsync().WaitAsync(Patience);
        child.Kill(entireProcessTree: true);
        await child.WaitForExitAsync();

        // Older kernels refuse SO_PEERPIDFD for a reaped peer; newer ones give a pidfd that says it is gone. Never a live one.
        PeerCredentials? peer = null;
        try
        {
            peer = PeerCredentials.Read(accepted);
            Assert.That(peer.PidFd?.IsAlive(), Is.False);
        }
        catch (SocketException e)
        {
            TestContext.Out.WriteLine($"SO_PEERPIDFD refused: {e.SocketErrorCode} {e.Message}");
        }
        finally
        {
            peer?.Dispose();
        }
    }

    [Test]
    public async Task ResolveAsync_WhenAnotherUsersHostProcessConnects_IdentifiesItByItsUid()
    {
        var child = StartSocatAs("nobody");
        using var accepted = await _listener.AcceptAsync().WaitAsync(Patience);
        using var peer = PeerCredentials.Read(accepted);
        var resolver = new CallerResolver(new FakePodDirectory(), "/proc");

        var resolution = await resolver.ResolveAsync(peer, CancellationToken.None);

        Assert.That(resolution.Caller?.Describe(), Is.EqualTo($"host process pid {child.Id} uid 65534"), resolution.Refusal);
    }

    /// <summary>socat as <paramref name="user"/>, connected to the listener and holding the connection open until killed.</summary>
    private Process StartSocatAs(string user)
    {
        if (!File.Exists("/usr/bin/socat"))
        {
            Assert.Ignore("socat is not installed (apt-get install socat)");
        }
        var start = new ProcessStartInfo("/usr/bin/socat", ["-u", "EXEC:sleep 60", "UNIX-CONNECT:" + _path]) { UserName = user };
        var child = Process.Start(start)!;
        _children.Add(child);
        return child;
    }

    /// <summary>The pid a pidfd stands for, from /proc/self/fdinfo ("Pid:").</summary>
    private static int PidOfPidFd(PidFdHandle pidFd)
    {
        var fdinfo = File.ReadAllLines($"/proc/self/fdinfo/{pidFd.DangerousGetHandle()}");
        var line = fdinfo.Single(l => l.StartsWith("Pid:", StringComparison.Ordinal));
        return int.Parse(line["Pid:".Length..].Trim(), CultureInfo.InvariantCulture);
    }
}
