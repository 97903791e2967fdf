namespace SlurmK8s.Tests.Integration;

/// <summary>
/// What a red-box run as its service user needs: a fresh folder of that user's for its socket and state, and a tenancy
/// (root's file, tenants' work roots owned by the tenants' users) in which root, the test runner, acts as tenant jobs.
/// All of it goes at dispose.
/// </summary>
internal sealed class RedBoxDirectories : IDisposable
{
    public const string ServiceUser = "slurmk8s";

    private readonly TempDirectory _dir;

    private RedBoxDirectories(TempDirectory dir, TestTenancy tenancy)
    {
        _dir = dir;
        Tenancy = tenancy;
    }

    public TestTenancy Tenancy { get; }

    /// <summary>red-box's flags for these folders (besides --socket): state and tenancy file.</summary>
    public string[] Flags => ["--state-dir", StateDir, "--tenants", Tenancy.File];

    public string Socket => Path.Combine(_dir.Path, "red-box.sock");

    public string StateDir => Path.Combine(_dir.Path, "state");

    public static async Task<RedBoxDirectories> CreateAsync(string name)
    {
        var dir = new TempDirectory($"slurmk8s-{name}-");
        var tenancy = TestTenancy.Create(dir.Path);
        await Command.RunAsync("chown", ServiceUser, dir.Path);
        return new RedBoxDirectories(dir, tenancy);
    }

    public void Dispose() => _dir.Dispose();
}
