namespace SlurmK8s.RedBox;

/// <summary>Everything red-box is told on its command line.</summary>
internal sealed record RedBoxOptions
{
    public const string DefaultSocket = "/var/run/syslurm/red-box.sock";

    public string SocketPath { get; init; } = DefaultSocket;
    /// <summary>Group (name or id) allowed to connect; null keeps red-box's own group.</summary>
    public string? SocketGroup { get; init; }
    /// <summary>Where jobs are submitted from (where slurm-&lt;id&gt;.out lands); served by default.</summary>
    public required string WorkDir { get; init; }
    /// <summary>More directories whose files may be read.</summary>
    public IReadOnlyList<string> ServeRoots { get; init; } = [];
    /// <summary>Where the idempotency journal lives.</summary>
    public required string StateDir { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan RecoveryWindow { get; init; } = TimeSpan.FromDays(7);
    public TimeSpan JournalRetention { get; init; } = TimeSpan.FromDays(30);
    /// <summary>Directory holding sbatch, squeue…; empty means PATH.</summary>
    public string SlurmBinDir { get; init; } = "";
    public bool JsonLogs { get; init; } = true;

    public IReadOnlyList<string> AllServedRoots => [WorkDir, .. ServeRoots];
}
