using SlurmK8s.Os;

namespace SlurmK8s.Tests.Os;

/// <summary>On the real kernel (the tests run as root): file access with another user's rights, on this thread only.</summary>
public sealed class FileSystemIdentityTests
{
    private static readonly UnixUser Alice = new("alice", 4401, 4401, [4401], "/nonexistent");
    private static readonly UnixUser Bob = new("bob", 4402, 4402, [4402], "/nonexistent");
    private static readonly UnixUser Nobody = new("nobody", 65534, 65534, [65534], "/nonexistent");
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0x1FF); // 0777: only the files' own modes decide
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void As_AnotherUsersPrivateFile_CannotBeRead()
    {
        var secret = OwnedFile("secret", Alice, "alice's");

        Assert.That(FileSystemIdentity.As(Alice, () => File.ReadAllText(secret)), Is.EqualTo("alice's"));
        Assert.Throws<UnauthorizedAccessException>(() => FileSystemIdentity.As(Bob, () => File.ReadAllText(secret)));
    }

    [Test]
    public async Task As_HardLinkOrSymlinkToAnotherUsersFile_ReachesNothing()
    {
        var secret = OwnedFile("secret", Alice, "alice's");
        var nobodysDir = Path.Combine(_dir.Path, "nobody");
        Directory.CreateDirectory(nobodysDir);
        Libc.ChangeOwner(nobodysDir, Nobody.Uid, Nobody.Gid);
        File.CreateSymbolicLink(Path.Combine(nobodysDir, "link"), secret);

        Assert.Throws<UnauthorizedAccessException>(() => FileSystemIdentity.As(Nobody, () => File.ReadAllText(Path.Combine(nobodysDir, "link"))));
        // fs.protected_hardlinks (Debian's default): a job cannot even make a hard link to a file its user does not own.
        var link = await new ProcessRunner().RunAsync("/bin/ln", [secret, Path.Combine(nobodysDir, "hard")], null, CancellationToken.None, Nobody);
        Assert.That(link.ExitCode, Is.Not.Zero, link.StandardError);
    }

    [Test]
    public void As_CreatedFiles_BelongToTheUser()
    {
        var made = Path.Combine(_dir.Path, "made");

        FileSystemIdentity.As(Alice, () => Directory.CreateDirectory(made));

        Assert.That(Libc.FileOwner(made)?.Uid, Is.EqualTo(Alice.Uid));
        Assert.That(Libc.FileOwner(made)?.Gid, Is.EqualTo(Alice.Gid));
    }

    [Test]
    public void As_AfterTheWork_RedBoxsOwnRightsAreBack()
    {
        var secret = OwnedFile("secret", Alice, "alice's");

        Assert.Throws<UnauthorizedAccessException>(() => FileSystemIdentity.As(Bob, () => File.ReadAllText(secret)));

        Assert.That(File.ReadAllText(secret), Is.EqualTo("alice's"), "root again on this thread");
    }

    [Test]
    public async Task As_OnOneThread_LeavesOtherThreadsAlone()
    {
        var secret = OwnedFile("secret", Alice, "alice's");
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = Task.Factory.StartNew(() => FileSystemIdentity.As(Bob, () =>
        {
            inside.Set();
            release.Wait();
        }), TaskCreationOptions.LongRunning);
        inside.Wait();

        var readElsewhere = await Task.Factory.StartNew(() => File.ReadAllText(secret), TaskCreationOptions.LongRunning);

        release.Set();
        await holder;
        Assert.That(readElsewhere, Is.EqualTo("alice's"));
    }

    private string OwnedFile(string name, UnixUser owner, string text)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Libc.ChangeOwner(path, owner.Uid, owner.Gid);
        return path;
    }
}
