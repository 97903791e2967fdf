using SlurmK8s.RedBoxContract;

namespace SlurmK8s.RedBox;

/// <summary>Everything red-box is told on its command line.</summary>
internal sealed record RedBoxOptions
{
    public string SocketPath { get; init; } = RedBoxSocket.DefaultPath;
    /// <summary>Group (name or id) allowed to connect; null keeps red-box's own group.</summary>
    public string? SocketGroup { get; init; }
    public const string DefaultTenancyFile = "/etc/slurmk8s/tenants.yaml";

    /// <summary>The administrator's tenancy file: who may call, and as which Unix user, account and work root their jobs run.</summary>
    public string TenancyFile { get; init; } = DefaultTenancyFile;
    /// <summary>Credentials to watch the pods on this node (get/list/watch pods only); null: only host callers can be identified.</summary>
    public string? Kubeconfig { get; init; }
    /// <summary>The Kubernetes node this submit host is: the pods that may call are the ones on it.</summary>
    public string NodeName { get; init; } = Environment.MachineName;
    /// <summary>Where the idempotency journal lives.</summary>
    public required string StateDir { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>The poll interval while a job changed state lately (<see cref="JobStateCacheOptions.QuickPollInterval"/>).</summary>
    public TimeSpan QuickPollInterval { get; init; } = TimeSpan.FromSeconds(0.25);
    public TimeSpan RecoveryWindow { get; init; } = TimeSpan.FromDays(7);
    public TimeSpan JournalRetention { get; init; } = TimeSpan.FromDays(30);
    /// <summary>Directory holding sbatch, squeue…; empty means PATH.</summary>
    public string SlurmBinDir { get; init; } = "";
    public bool JsonLogs { get; init; } = true;
}
