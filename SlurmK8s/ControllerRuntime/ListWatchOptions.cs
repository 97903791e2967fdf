namespace SlurmK8s.ControllerRuntime;

/// <summary>How <see cref="ListWatch{T}"/> retries.</summary>
internal sealed record ListWatchOptions
{
    /// <summary>Pauses between failed lists or watches (connection refused, 5xx, a dropped stream).</summary>
    public ExponentialBackoff Backoff { get; init; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    /// <summary>A watch the server closes sooner than this without a single event counts as a failure, so it is not re-opened in a tight loop.</summary>
    public TimeSpan MinHealthyWatch { get; init; } = TimeSpan.FromSeconds(1);
}
