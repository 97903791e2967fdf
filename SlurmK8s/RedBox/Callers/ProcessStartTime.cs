using System.Globalization;

namespace SlurmK8s.RedBox.Callers;

/// <summary>
/// When a process started, in clock ticks after boot (/proc/&lt;pid&gt;/stat field 22). Two processes that share a pid
/// one after the other have different start times, so reading it before and after a lookup shows a pid reused in between.
/// </summary>
internal static class ProcessStartTime
{
    // Fields counted from 1; field 3 (state) is the first after the command name.
    private const int StartTimeField = 22;
    private const int FirstFieldAfterName = 3;

    /// <summary>The start time from /proc/&lt;pid&gt;/stat under <paramref name="procRoot"/>; null when the process is gone or the file is unreadable.</summary>
    public static ulong? Read(int pid, string procRoot = "/proc")
    {
        try
        {
            return Parse(File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "stat")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Field 22 of a stat line "pid (comm) state ppid …". The command name may hold spaces and parentheses, so the
    /// fields are counted after the LAST ')'. Null when the text is not such a line.
    /// </summary>
    public static ulong? Parse(string statText)
    {
        ArgumentNullException.ThrowIfNull(statText);
        var close = statText.LastIndexOf(')');
        if (close < 0 || statText.IndexOf('(', StringComparison.Ordinal) is var open && (open < 0 || open > close))
        {
            return null;
        }
        var fields = statText[(close + 1)..].Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        const int index = StartTimeField - FirstFieldAfterName;
        return fields.Length > index && ulong.TryParse(fields[index], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }
}
