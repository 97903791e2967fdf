using System.Globalization;
using System.Runtime.InteropServices;

namespace SlurmK8s.Os;

/// <summary>Linux capabilities of the calling thread (they are per thread).</summary>
internal static partial class Capabilities
{
    private const int PrCapAmbient = 47;
    private const int PrCapAmbientClearAll = 4;

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>Empties this thread's ambient set, so nothing it execs inherits a capability; throws if the kernel refuses.</summary>
    public static void ClearAmbientOfThisThread()
    {
        // EINVAL: a kernel without ambient capabilities (< 4.3) has nothing to clear.
        if (Prctl(PrCapAmbient, PrCapAmbientClearAll, 0, 0, 0) != 0 && Marshal.GetLastPInvokeError() != 22)
        {
            throw new IOException($"could not clear the ambient capabilities: errno {Marshal.GetLastPInvokeError()}");
        }
        if (ThisThread("CapAmb") is not 0)
        {
            throw new IOException("ambient capabilities are still set after clearing them");
        }
    }

    /// <summary>A capability set of this thread from /proc/thread-self/status (CapEff, CapAmb, …), or null.</summary>
    public static ulong? ThisThread(string set)
    {
        foreach (var line in File.ReadLines("/proc/thread-self/status"))
        {
            if (line.StartsWith(set + ":", StringComparison.Ordinal))
            {
                return ulong.Parse(line[(set.Length + 1)..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
        return null;
    }
}
