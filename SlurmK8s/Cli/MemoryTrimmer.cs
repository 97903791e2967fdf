using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SlurmK8s.Cli;

/// <summary>Gives the process's free memory back to the system once a burst is over (<see cref="MemoryTrimPolicy"/>).</summary>
internal static partial class MemoryTrimmer
{
    /// <summary>Ticks until <paramref name="cancellationToken"/> is cancelled; never throws for that.</summary>
    public static async Task RunAsync(ILogger logger, CancellationToken cancellationToken)
    {
        var policy = new MemoryTrimPolicy();
        using var timer = new PeriodicTimer(MemoryTrimPolicy.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!policy.Tick(GC.GetTotalAllocatedBytes()))
                {
                    continue;
                }
                var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
                // Aggressive: compact every generation, the large and pinned heaps too, and decommit what is free.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                var after = GC.GetGCMemoryInfo().TotalCommittedBytes;
                LogTrimmed(logger, before / 1024, after / 1024);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Quiet after a burst: collected; the managed heap's committed memory went from {Before} KiB to {After} KiB")]
    private static partial void LogTrimmed(ILogger logger, long before, long after);

    /// <summary>The trimmer as a host's background service (red-box).</summary>
    internal sealed class Service(ILogger<Service> logger) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => RunAsync(logger, stoppingToken);
    }
}
