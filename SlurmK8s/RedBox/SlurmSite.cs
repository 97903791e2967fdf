using Microsoft.Extensions.Logging;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox;

/// <summary>The cluster's configuration as red-box last read it; read again while it could not be read.</summary>
internal sealed partial class SlurmSite(ISlurmClient slurm, ILogger<SlurmSite> logger)
{
    private ClusterConfig? _config;

    /// <summary>The cluster's name once its configuration was read; null before (asking never waits on Slurm).</summary>
    public string? KnownClusterName => Volatile.Read(ref _config)?.ClusterName;

    public async Task<ClusterConfig> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _config) is { } known)
        {
            return known;
        }
        var config = await slurm.ConfigAsync(cancellationToken).ConfigureAwait(false);
        // Callers may read it concurrently: the first to store it speaks, so the start-up warnings appear once.
        if (Interlocked.CompareExchange(ref _config, config, null) is { } storedMeanwhile)
        {
            return storedMeanwhile;
        }
        LogConfig(config.ClusterName, config.Version, config.AccountingEnabled, (int)config.MinJobAge.TotalSeconds);
        if (!config.AccountingEnabled)
        {
            LogNoAccounting((int)config.MinJobAge.TotalSeconds);
        }
        else if (!config.StoresJobComment)
        {
            LogNoJobComment();
        }
        return config;
    }

    /// <summary>
    /// Whether sacct answers. Never guessed: while the configuration could not be read (the controller was down when
    /// red-box started) it is read now, so a cluster without accounting is never asked sacct.
    /// </summary>
    public async Task<bool> IsAccountingEnabledAsync(CancellationToken cancellationToken) =>
        (await GetAsync(cancellationToken).ConfigureAwait(false)).AccountingEnabled;

    [LoggerMessage(Level = LogLevel.Information, Message = "Slurm cluster {Cluster}, version {Version}, accounting {Accounting}, MinJobAge {MinJobAge}s")]
    private partial void LogConfig(string cluster, string version, bool accounting, int minJobAge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slurm accounting is disabled on this cluster: jobs that left squeue (after MinJobAge={MinJobAge}s) are known only through red-box's idempotency journal, and their final state is Unknown")]
    private partial void LogNoAccounting(int minJobAge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AccountingStoreFlags lacks job_comment: if the idempotency journal is lost, keys of jobs that left squeue cannot be recovered from accounting")]
    private partial void LogNoJobComment();
}
