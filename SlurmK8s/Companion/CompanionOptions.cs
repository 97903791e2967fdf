namespace SlurmK8s.Companion;

/// <summary>Everything the companion is told on its command line (the operator sets these on the pod).</summary>
internal sealed record CompanionOptions
{
    public required string Namespace { get; init; }
    public required string SlurmJobName { get; init; }
    /// <summary>This pod's name: results land in &lt;results dir&gt;/&lt;pod name&gt;/.</summary>
    public required string PodName { get; init; }
    /// <summary>Where the SlurmJob's results volume is mounted; null when the SlurmJob has no results.mount.</summary>
    public string? ResultsDir { get; init; }
    /// <summary>First delay before retrying red-box or the API server (it doubles up to <see cref="MaxRetryDelay"/>).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long output streams may take to drain after the job has finished.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
