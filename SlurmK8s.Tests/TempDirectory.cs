namespace SlurmK8s.Tests;

/// <summary>A fresh directory under /tmp, removed at dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "slurmk8s-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    /// <summary>
    /// Lets every user pass through <paramref name="path"/> and each folder above it inside the temp folder (a test's temp
    /// folder is 0700): what a tenant's user needs to reach its work root below, as /var/lib/slurmk8s/tenants allows.
    /// </summary>
    public static void LetEveryonePassThrough(string path)
    {
        var temp = System.IO.Path.GetTempPath();
        for (var folder = path; folder.StartsWith(temp, StringComparison.Ordinal) && folder.Length > temp.Length; folder = System.IO.Path.GetDirectoryName(folder)!)
        {
            File.SetUnixFileMode(folder, File.GetUnixFileMode(folder) | UnixFileMode.OtherExecute);
        }
    }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's tmp cleaner; a test's result does not depend on it.
        }
    }
}
