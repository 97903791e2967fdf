namespace SlurmK8s.Resourced;

/// <summary>Everything resourced is told on its command line.</summary>
internal sealed record ResourcedOptions
{
    /// <summary>Where the DaemonSet mounts the slurm-config ConfigMap (its `config` key as the file `slurm`).</summary>
    public const string DefaultConfigDirectory = "/etc/slurm-config";

    public string ConfigDirectory { get; init; } = DefaultConfigDirectory;
    public required string NodeName { get; init; }
    /// <summary>A kubeconfig file; null means the pod's in-cluster service account.</summary>
    public string? Kubeconfig { get; init; }
    /// <summary>Fill the resources from red-box's partitions (config entries still win).</summary>
    public bool Discover { get; init; }
    public string Socket { get; init; } = RedBoxContract.RedBoxSocket.DefaultPath;
    /// <summary>How often the node is re-read and corrected (and red-box asked again) even when the file did not change.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How often the file is re-read in case a change event was lost.</summary>
    public TimeSpan FilePollInterval { get; init; } = TimeSpan.FromSeconds(5);
    public bool JsonLogs { get; init; } = true;
    /// <summary>Port of /healthz (null: none).</summary>
    public int? HealthPort { get; init; } = 8080;

    public string ConfigFile => Path.Combine(ConfigDirectory, NodeConfigWatcher.FileName);
}
