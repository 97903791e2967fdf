namespace SlurmK8s.Cli;

/// <summary>
/// Pure: when a long-lived process should give its memory back. The GC collects only when something allocates, so
/// after a burst (hundreds of companions' streams in red-box, start-up in a companion) a process that then mostly waits
/// keeps its grown heap for good — red-box held 108 MB after 300 streams had ended. So, ticked every few seconds with
/// how much was allocated since the tick before: after a busy period, on the first quiet tick and again on the sixth (by
/// then Kestrel has evicted the memory-pool blocks the ended connections left behind), collect with compaction and
/// return the free memory to the system. A process that was never busy is never collected by it.
/// </summary>
internal sealed class MemoryTrimPolicy
{
    /// <summary>How often to tick.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Allocated within one tick, this much or more is busy (idle red-box allocates a few KB per tick).</summary>
    public const long BusyBytes = 1024 * 1024;

    /// <summary>The quiet ticks after a busy period on which to trim.</summary>
    private static readonly int[] TrimOnQuietTick = [1, 6];

    private long _lastAllocated; // what the process allocated before the first tick (its start-up) counts too
    private int _quietTicks = -1; // -1: no busy period to trim after

    /// <summary>One tick, with the bytes this process has allocated in total so far: whether to trim now.</summary>
    public bool Tick(long totalAllocatedBytes)
    {
        var allocated = totalAllocatedBytes - _lastAllocated;
        _lastAllocated = totalAllocatedBytes;
        if (allocated >= BusyBytes)
        {
            _quietTicks = 0;
            return false;
        }
        if (_quietTicks < 0)
        {
            return false;
        }
        _quietTicks++;
        if (_quietTicks >= TrimOnQuietTick[^1])
        {
            var last = _quietTicks == TrimOnQuietTick[^1];
            _quietTicks = -1;
            return last;
        }
        return Array.IndexOf(TrimOnQuietTick, _quietTicks) >= 0;
    }
}
