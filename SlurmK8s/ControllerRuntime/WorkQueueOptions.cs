namespace SlurmK8s.ControllerRuntime;

/// <summary>How <see cref="WorkQueue"/> retries a key whose processing failed.</summary>
internal sealed record WorkQueueOptions
{
    /// <summary>Per key: 0.5 s, 1 s, 2 s, … up to 5 minutes while it keeps failing; back to the start after a success.</summary>
    public ExponentialBackoff FailureBackoff { get; init; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(5));
}
