namespace SlurmK8s.ControllerRuntime.Observability;

/// <summary>
/// What <c>/healthz</c> and <c>/readyz</c> answer. Ready only when the caller says so (caches synced, say), with the
/// reason it is not ready shown to whoever probes. Live unless one of the liveness checks the running parts added
/// (<see cref="AddLivenessCheck"/>: a watch failing for minutes, a stuck work queue) names a problem: then the kubelet
/// restarts the process, which a hung operator cannot do for itself.
/// </summary>
internal sealed class HealthState
{
    private readonly Lock _gate = new();
    private readonly List<Func<string?>> _checks = [];
    private volatile string? _notReadyReason = "starting";

    /// <summary>Why the process is not ready; null when it is.</summary>
    public string? NotReadyReason => _notReadyReason;

    /// <summary>Why the process is not live (the first problem a check names); null when it is.</summary>
    public string? NotLiveReason
    {
        get
        {
            Func<string?>[] checks;
            lock (_gate)
            {
                checks = [.. _checks];
            }
            return checks.Select(check => check()).FirstOrDefault(problem => problem is not null);
        }
    }

    public void SetReady() => _notReadyReason = null;

    public void SetNotReady(string reason) => _notReadyReason = string.IsNullOrWhiteSpace(reason) ? "not ready" : reason;

    /// <summary>
    /// Adds a check that returns a problem (the process should be restarted) or null; disposing the result removes it
    /// (e.g. when a leader's watches stop because leadership ended).
    /// </summary>
    public IDisposable AddLivenessCheck(Func<string?> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        lock (_gate)
        {
            _checks.Add(check);
        }
        return new Removal(this, check);
    }

    private sealed class Removal(HealthState health, Func<string?> check) : IDisposable
    {
        public void Dispose()
        {
            lock (health._gate)
            {
                health._checks.Remove(check);
            }
        }
    }
}
