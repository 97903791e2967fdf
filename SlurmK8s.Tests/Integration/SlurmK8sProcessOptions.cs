namespace SlurmK8s.Tests.Integration;

/// <summary>How <see cref="SlurmK8sProcess"/> starts slurmk8s.</summary>
internal sealed record SlurmK8sProcessOptions
{
    /// <summary>Run as this user (name or uid) through setpriv; null: as the test runner.</summary>
    public string? User { get; init; }

    /// <summary>
    /// With <see cref="User"/>'s supplementary groups, as a service started for that user gets them (red-box needs its
    /// socket group); without, as a pod's process starts (only its uid and gid).
    /// </summary>
    public bool UserGroups { get; init; }

    /// <summary>
    /// With CAP_SETUID and CAP_SETGID as ambient capabilities and nothing else in the bounding set, as
    /// manifests/redbox.service (and scripts/cluster.sh) give them to red-box's service user.
    /// </summary>
    public bool SwitchUserCapabilities { get; init; }

    /// <summary>Added to the process's environment (e.g. SLURM_CONF, POD_NAME).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>This binary instead of SLURMK8S_BIN (a benchmark comparing two builds).</summary>
    public string? Binary { get; init; }

    /// <summary>Every line is echoed to the test's progress output as it comes; off for a process that logs thousands (a benchmark's operator).</summary>
    public bool EchoToProgress { get; init; } = true;

    /// <summary>Only the published AOT binary will do: the test is Inconclusive when SLURMK8S_BIN is not set.</summary>
    public bool RequirePublished { get; init; }
}
