using Microsoft.Extensions.Logging;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox;

/// <summary>The cluster's configuration as red-box last read it; read again while it could not be read.</summary>
internal sealed partial class SlurmSite(ISlurmClient slurm, ILogger<SlurmSite> logger)
{
    private ClusterConfig? _config;

    /// <summary>Accounting is assumed present until the configuration says otherwise.</summary>
    public bool AccountingEnabled => _config?.AccountingEnabled ?? true;

    public async Task<ClusterConfig> GetAsync(CancellationToken cancellationToken)
    {
        if (_config is { } known)
        {
            return known;
        }
        var config = await slurm.ConfigAsync(cancellationToken).ConfigureAwait(false);
        _config = config;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Slurm cluster {Cluster}, version {Version}, accounting {Accounting}, MinJobAge {MinJobAge}s")]
    private partial void LogConfig(string cluster, string version, bool accounting, int minJobAge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slurm accounting is disabled on this cluster: jobs that left squeue (after MinJobAge={MinJobAge}s) are known only through red-box's idempotency journal, and their final state is Unknown")]
    private partial void LogNoAccounting(int minJobAge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AccountingStoreFlags lacks job_comment: if the idempotency journal is lost, keys of jobs that left squeue cannot be recovered from accounting")]
    private partial void LogNoJobComment();
}
