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
    /// <summary>
    /// The longest pause between attempts at red-box: it is on this node, a failed attempt costs a local connect, and a
    /// restarted red-box should be found again within a second or two, not after the API server's backoff.
    /// </summary>
    public TimeSpan MaxRedBoxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>red-box's socket, as the companion was told it (named in an outage report).</summary>
    public string SocketPath { get; init; } = RedBoxContract.RedBoxSocket.DefaultPath;
    /// <summary>The node this pod runs on ($NODE_NAME from the downward API), named in an outage report; null when not known.</summary>
    public string? NodeName { get; init; }
    /// <summary>How long red-box (or Slurm behind it) may not answer before status.companion.outage says so (--outage-after).</summary>
    public TimeSpan OutageAfter { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How long output streams may take to drain after the job has finished.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
