using Microsoft.Extensions.Logging;
using SlurmK8s.Os;
using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.RedBox.Tenancy;

internal sealed class TenancyWatcherTests
{
    // Generous: these prove the watcher reacts to the event, not how fast; the periodic re-read is set to a minute
    // so that it cannot be what delivers the change.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan NoPoll = TimeSpan.FromMinutes(1);
    private const UnixFileMode Mode0644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly string OneTenant = "tenants:\n" + TenancyFileTests.Tenant(more: "  namespaces:\n  - namespace: chem\n");
    private static readonly string TwoTenants = OneTenant + TenancyFileTests.Tenant("physics", "phys", "physics", "/w/physics", "  namespaces:\n  - namespace: physics\n");
    private static readonly string UnknownUser = OneTenant + TenancyFileTests.Tenant("physics", "nobody1", "physics", "/w/physics");

    private TempDirectory _dir = null!;
    private string _file = "";
    private RecordingLogger<TenancyWatcher> _log = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _dir = new TempDirectory();
        _file = _dir.Combine("tenants.yaml");
        _log = new RecordingLogger<TenancyWatcher>();
    }

    [TearDown]
    public void RemoveDirectory() => _dir.Dispose();

    [Test]
    public void Load_FileMissing_ThrowsNamingTheFile()
    {
        var error = Assert.Throws<TenancyFileException>(() => Watcher().Load())!;

        Assert.That(error.Message, Does.StartWith(_file + ": the file does not exist"));
        Assert.That(error.Message, Does.Contain("manifests/tenants.yaml"));
    }

    [Test]
    public void Load_FileInvalid_ThrowsNamingFieldAndLine()
    {
        Write(UnknownUser);

        var error = Assert.Throws<TenancyFileException>(() => Watcher().Load())!;

        Assert.That(error.Message, Does.StartWith($"{_file}:9: tenants[1].user: there is no user nobody1"));
    }

    [Test]
    public void Load_GoodFile_IsCurrentAndLogged()
    {
        Write(OneTenant);
        var watcher = Watcher();

        var map = watcher.Load();

        Assert.That(watcher.Current, Is.SameAs(map));
        Assert.That(watcher.FilePath, Is.EqualTo(_file));
        Assert.That(map.FilePath, Is.EqualTo(_file));
        Assert.That(watcher.Problem, Is.Null);
        Assert.That(_log.At(LogLevel.Information).Single(), Is.EqualTo($"Tenancy file {_file} in force: {map.Summary()}"));
    }

    [Test]
    public void Current_BeforeLoad_Throws() =>
        Assert.Throws<InvalidOperationException>(() => _ = Watcher().Current);

    [Test]
    public void Refresh_GoodThenBad_KeepsTheLastGoodAndReportsEachDistinctProblemOnce()
    {
        Write(OneTenant);
        var watcher = Watcher();
        var good = watcher.Load();

        Write(UnknownUser);
        Assert.That(watcher.Refresh(), Is.False);
        Assert.That(watcher.Refresh(), Is.False);
        Write(UnknownUser + "# the same mistake, another text\n");
        Assert.That(watcher.Refresh(), Is.False);

        Assert.That(watcher.Current, Is.SameAs(good));
        Assert.That(watcher.Problem, Does.Contain("tenants[1].user: there is no user nobody1"));
        Assert.That(_log.At(LogLevel.Warning).Single(), Does.StartWith("The tenancy file cannot be used, so the last good version stays in force: " + _file + ":9: tenants[1].user"));

        Write(OneTenant + "defaultTenant: nope\n");
        watcher.Refresh();

        Assert.That(watcher.Current, Is.SameAs(good));
        Assert.That(_log.At(LogLevel.Warning).Count(), Is.EqualTo(2));
        Assert.That(watcher.Problem, Does.Contain("defaultTenant: there is no tenant nope"));
    }

    [Test]
    public void Refresh_BadThenGood_SwapsAndClearsTheProblem()
    {
        Write(OneTenant);
        var watcher = Watcher();
        watcher.Load();
        Write(UnknownUser);
        watcher.Refresh();

        Write(TwoTenants);

        Assert.That(watcher.Refresh(), Is.True);
        Assert.That(watcher.Current.Tenants.Select(t => t.Name), Is.EqualTo(new[] { "chemistry", "physics" }));
        Assert.That(watcher.Current.ForPod("physics", "default").Tenant!.Name, Is.EqualTo("physics"));
        Assert.That(watcher.Problem, Is.Null);
        Assert.That(_log.At(LogLevel.Information).Last(), Does.Contain("2 tenants"));
    }

    [Test]
    public void Refresh_SameProblemAfterAFix_IsReportedAgain()
    {
        Write(OneTenant);
        var watcher = Watcher();
        watcher.Load();
        Write(UnknownUser);
        watcher.Refresh();
        Write(TwoTenants);
        watcher.Refresh();

        Write(UnknownUser);
        watcher.Refresh();

        Assert.That(_log.At(LogLevel.Warning).Count(), Is.EqualTo(2));
    }

    [Test]
    public void Refresh_Unchanged_ParsesNothingNew()
    {
        Write(OneTenant);
        var watcher = Watcher();
        var map = watcher.Load();

        Assert.That(watcher.Refresh(), Is.False);
        Assert.That(watcher.Current, Is.SameAs(map));
        Assert.That(_log.Lines, Has.Count.EqualTo(1));
    }

    [Test]
    public void Refresh_FileDeleted_KeepsTheLastGood()
    {
        Write(OneTenant);
        var watcher = Watcher();
        var good = watcher.Load();

        File.Delete(_file);

        Assert.That(watcher.Refresh(), Is.False);
        Assert.That(watcher.Current, Is.SameAs(good));
        Assert.That(watcher.Problem, Is.EqualTo($"{_file}: the file does not exist: write it (manifests/tenants.yaml is an example), or point red-box at the right file"));
        Assert.That(_log.At(LogLevel.Warning).Single(), Does.Contain("does not exist"));

        Write(OneTenant);
        Assert.That(watcher.Refresh(), Is.True);
        Assert.That(watcher.Problem, Is.Null);
    }

    [Test]
    public void Load_FileWritableByOthers_RefusedSayingChmod()
    {
        Write(OneTenant);
        File.SetUnixFileMode(_file, Mode0644 | UnixFileMode.GroupWrite);

        var error = Assert.Throws<TenancyFileException>(() => Watcher().Load())!;

        Assert.That(error.Message, Is.EqualTo($"{_file}: the file is writable by its group or others (mode 0664): "
            + $"whoever can change it chooses which Unix user jobs run as; chmod go-w {_file}"));
    }

    [Test]
    public void Refresh_FileMadeWritableByOthers_KeepsTheLastGood()
    {
        Write(OneTenant);
        var watcher = Watcher();
        var good = watcher.Load();

        File.SetUnixFileMode(_file, Mode0644 | UnixFileMode.OtherWrite);

        Assert.That(watcher.Refresh(), Is.False);
        Assert.That(watcher.Current, Is.SameAs(good));
        Assert.That(watcher.Problem, Does.Contain("mode 0646"));
    }

    [Test]
    public async Task Load_FileOwnedByAnotherUser_RefusedSayingChown()
    {
        RequireRoot();
        Write(OneTenant);
        await Command.RunAsync("chown", "1000", _file);

        var error = Assert.Throws<TenancyFileException>(() => Watcher().Load())!;

        Assert.That(error.Message, Does.Contain("the file belongs to uid 1000, not root"));
        Assert.That(error.Message, Does.Contain($"chown root {_file}"));
    }

    [Test]
    public async Task Load_SymlinkToAnotherUsersFile_Refused()
    {
        // The attack: a root-owned link in a root-owned directory, pointing at a file a tenant can write.
        RequireRoot();
        var elsewhere = _dir.Combine("owned-by-a-tenant.yaml");
        await File.WriteAllTextAsync(elsewhere, OneTenant);
        File.SetUnixFileMode(elsewhere, Mode0644);
        await Command.RunAsync("chown", "1000", elsewhere);
        File.CreateSymbolicLink(_file, elsewhere);

        var error = Assert.Throws<TenancyFileException>(() => Watcher().Load())!;

        Assert.That(error.Message, Does.Contain("the file belongs to uid 1000"));
    }

    [Test]
    public void Load_DirectoryWritableByOthers_RefusedUnlessSticky()
    {
        Write(OneTenant);
        var open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(_dir.Path, open);

        var error = Assert.Throws<TenancyFileException>(() => Watcher().Load())!;
        Assert.That(error.Message, Does.Contain($"its directory is writable by its group or others (mode 0777): they could replace the file; chmod go-w {_dir.Path}"));

        File.SetUnixFileMode(_dir.Path, open | UnixFileMode.StickyBit);
        Assert.That(Watcher().Load().Tenants, Has.Count.EqualTo(1));
    }

    [Test]
    public void Refresh_UserDatabaseChanged_PickedUpWithoutTouchingTheFile()
    {
        var passwd = _dir.Combine("passwd");
        var group = _dir.Combine("group");
        File.WriteAllText(passwd, "chem:x:1001:1001::/home/chem:/bin/sh\n");
        File.WriteAllText(group, "chem:x:1001:\n");
        Write(OneTenant);
        var watcher = Watcher(new EtcUserDatabase(passwd, group));
        Assert.That(watcher.Load().Tenants[0].User.Groups, Is.EqualTo(new uint[] { 1001 }));

        File.AppendAllText(group, "gpu:x:2000:chem\n");
        Assert.That(watcher.Refresh(), Is.True);
        Assert.That(watcher.Current.Tenants[0].User.Groups, Is.EqualTo(new uint[] { 1001, 2000 }));

        File.WriteAllText(passwd, "");
        Assert.That(watcher.Refresh(), Is.False);
        Assert.That(watcher.Current.Tenants[0].User.Groups, Is.EqualTo(new uint[] { 1001, 2000 }));
        Assert.That(watcher.Problem, Does.Contain($"there is no user chem in {passwd}"));
    }

    [Test]
    public async Task FollowAsync_FileEdited_FollowsEveryChangeWithoutPolling()
    {
        Write(OneTenant);
        var watcher = Watcher();
        var first = watcher.Load();
        using var cts = new CancellationTokenSource();
        var following = watcher.FollowAsync(cts.Token);

        Write(TwoTenants);
        await Eventually.TrueAsync(() => watcher.Current.Tenants.Count == 2, patience: Patience);

        Write(UnknownUser);
        await Eventually.TrueAsync(() => watcher.Problem is not null, patience: Patience);
        Assert.That(watcher.Current.Tenants, Has.Count.EqualTo(2));

        File.Delete(_file);
        await Eventually.TrueAsync(() => watcher.Problem?.Contains("does not exist", StringComparison.Ordinal) == true, patience: Patience);
        Assert.That(watcher.Current.Tenants, Has.Count.EqualTo(2));

        // An editor's save: a new file renamed over the old name.
        var temporary = _dir.Combine(".tenants.yaml.swp");
        await File.WriteAllTextAsync(temporary, OneTenant);
        File.SetUnixFileMode(temporary, Mode0644);
        File.Move(temporary, _file);
        await Eventually.TrueAsync(() => watcher.Current.Tenants.Count == 1 && watcher.Problem is null, patience: Patience);
        Assert.That(watcher.Current, Is.Not.SameAs(first));

        await cts.CancelAsync();
        Assert.That(async () => await following, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task FollowAsync_NoEvent_ThePollFindsTheChange()
    {
        var passwd = _dir.Combine("passwd");
        File.WriteAllText(passwd, "chem:x:1001:1001::/home/chem:/bin/sh\n");
        var elsewhere = new TempDirectory(); // passwd outside the watched directory: only the poll sees it change
        using var _ = elsewhere;
        var group = elsewhere.Combine("group");
        File.WriteAllText(group, "");
        Write(OneTenant);
        var watcher = new TenancyWatcher(_file, new EtcUserDatabase(passwd, group), null, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), _log);
        watcher.Load();
        using var cts = new CancellationTokenSource();
        var following = watcher.FollowAsync(cts.Token);

        File.WriteAllText(group, "gpu:x:2000:chem\n");

        await Eventually.TrueAsync(() => watcher.Current.Tenants[0].User.Groups.Contains(2000u), patience: Patience);
        await cts.CancelAsync();
        Assert.That(async () => await following, Throws.InstanceOf<OperationCanceledException>());
    }

    private TenancyWatcher Watcher(IUserDatabase? users = null) =>
        new(_file, users ?? FakeUserDatabase.WithSampleUsers(), null, TimeSpan.FromMilliseconds(50), NoPoll, _log);

    private void Write(string text)
    {
        File.WriteAllText(_file, text);
        File.SetUnixFileMode(_file, Mode0644);
    }

    private static void RequireRoot() =>
        Assume.That(Libc.GetEffectiveUserId(), Is.Zero, "changing a file's owner needs root");
}
