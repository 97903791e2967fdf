using System.Globalization;

namespace SlurmK8s.Tests.RedBox.Callers;

/// <summary>A /proc of our own: each pid a directory with the stat and cgroup files the resolver reads.</summary>
internal sealed class FakeProc : IDisposable
{
    private readonly TempDirectory _root = new("slurmk8s-proc-");

    public string Root => _root.Path;

    /// <summary>Puts a process at <paramref name="pid"/> (replacing whatever was there: a reused pid).</summary>
    public void Add(int pid, ulong startTime, string? cgroup)
    {
        var directory = Directory.CreateDirectory(_root.Combine(pid.ToString(CultureInfo.InvariantCulture))).FullName;
        File.WriteAllText(Path.Combine(directory, "stat"),
            string.Create(CultureInfo.InvariantCulture, $"{pid} (companion) S 1 {pid} {pid} 0 -1 4194560 100 0 0 0 1 0 0 0 20 0 4 0 {startTime} 1000000 100\n"));
        var cgroupPath = Path.Combine(directory, "cgroup");
        if (cgroup is null)
        {
            File.Delete(cgroupPath);
        }
        else
        {
            File.WriteAllText(cgroupPath, cgroup);
        }
    }

    /// <summary>The process exits: its directory goes.</summary>
    public void Remove(int pid) => Directory.Delete(_root.Combine(pid.ToString(CultureInfo.InvariantCulture)), recursive: true);

    public void Dispose() => _root.Dispose();
}
