namespace SlurmK8s.Tests.Integration;

/// <summary>
/// What a red-box run as its service user needs, owned by that user: a fresh folder for its socket and state, and a job
/// work folder under /var/lib/slurmk8s/jobs (the folder scripts/slurm.sh gives that user). Both go at dispose.
/// </summary>
internal sealed class RedBoxDirectories : IDisposable
{
    public const string ServiceUser = "slurmk8s";

    private readonly TempDirectory _dir;

    private RedBoxDirectories(TempDirectory dir, string workDir)
    {
        _dir = dir;
        WorkDir = workDir;
    }

    public string Socket => Path.Combine(_dir.Path, "red-box.sock");

    public string StateDir => Path.Combine(_dir.Path, "state");

    public string WorkDir { get; }

    public static async Task<RedBoxDirectories> CreateAsync(string name)
    {
        var dir = new TempDirectory($"slurmk8s-{name}-");
        var workDir = $"/var/lib/slurmk8s/jobs/{name}-{Guid.NewGuid():N}";
        Directory.CreateDirectory(workDir);
        await Command.RunAsync("chown", ServiceUser, dir.Path, workDir);
        return new RedBoxDirectories(dir, workDir);
    }

    public void Dispose()
    {
        _dir.Dispose();
        Directory.Delete(WorkDir, recursive: true);
    }
}
