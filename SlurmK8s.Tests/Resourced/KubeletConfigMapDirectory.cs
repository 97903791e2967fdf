namespace SlurmK8s.Tests.Resourced;

/// <summary>
/// A directory laid out and updated the way the kubelet's atomic writer does for a mounted ConfigMap:
/// `slurm` → `..data/slurm`, `..data` → `..&lt;timestamp&gt;/`; an update writes a new timestamped directory,
/// points `..data_tmp` at it, renames `..data_tmp` over `..data` and removes the old directory.
/// </summary>
internal sealed class KubeletConfigMapDirectory(string path)
{
    private int _version;

    public string Path { get; } = path;

    public string FilePath => System.IO.Path.Combine(Path, "slurm");

    public async Task WriteAsync(string content)
    {
        var previous = Directory.GetDirectories(Path, "..2*").Select(System.IO.Path.GetFileName).ToList();
        var version = $"..2026_11_25_00_00_00.{++_version:D9}";
        Directory.CreateDirectory(System.IO.Path.Combine(Path, version));
        await File.WriteAllTextAsync(System.IO.Path.Combine(Path, version, "slurm"), content);
        File.CreateSymbolicLink(System.IO.Path.Combine(Path, "..data_tmp"), version);
        // rename(2) of the symlink itself, as os.Rename does; `mv -T` so it does not move into the old ..data directory.
        var moved = await Command.RunAsync("mv", "-T", System.IO.Path.Combine(Path, "..data_tmp"), System.IO.Path.Combine(Path, "..data"));
        Assert.That(moved.Succeeded, Is.True, moved.StandardError);
        if (!File.Exists(FilePath) && new FileInfo(FilePath).LinkTarget is null)
        {
            File.CreateSymbolicLink(FilePath, "..data/slurm");
        }
        foreach (var old in previous)
        {
            Directory.Delete(System.IO.Path.Combine(Path, old!), recursive: true);
        }
    }
}
