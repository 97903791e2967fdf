using System.Globalization;

namespace SlurmK8s.Tests.Benchmarks;

/// <summary>One process's CPU time (user + system, from /proc/&lt;pid&gt;/stat) and memory (VmRSS, VmHWM) at one moment.</summary>
internal readonly record struct ProcessUsage(TimeSpan Cpu, long RssBytes, long PeakRssBytes)
{
    /// <summary>USER_HZ: /proc counts CPU time in these ticks (100 a second on every Linux this runs on).</summary>
    private const double TicksPerSecond = 100;

    public static ProcessUsage Read(int pid)
    {
        // Fields after the command name, which sits in parentheses and may hold spaces: utime and stime are 14 and 15.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        long Kb(string name) => File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).FirstOrDefault();
        return new ProcessUsage(TimeSpan.FromSeconds(ticks / TicksPerSecond), Kb("VmRSS") * 1024, Kb("VmHWM") * 1024);
    }

    public static ProcessUsage? TryRead(int pid)
    {
        try
        {
            return Read(pid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;   // gone
        }
    }
}
