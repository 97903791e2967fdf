namespace SlurmK8s.ControllerRuntime;

/// <summary>How long a part of the controller runtime may be stuck before <c>/healthz</c> fails and the kubelet restarts the process.</summary>
internal sealed record Liveness
{
    /// <summary>A watch that has failed without a single success for this long (the API server unreachable, RBAC taken away).</summary>
    public TimeSpan WatchFailing { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A key processed for this long, or keys ready while no worker has taken one for this long (a hung call, a deadlock).</summary>
    public TimeSpan QueueStuck { get; init; } = TimeSpan.FromMinutes(5);
}
