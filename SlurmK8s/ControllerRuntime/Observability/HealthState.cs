namespace SlurmK8s.ControllerRuntime.Observability;

/// <summary>
/// What <c>/healthz</c> and <c>/readyz</c> answer. Live while the process serves; ready only when the caller says so
/// (caches synced, say), with the reason it is not ready shown to whoever probes.
/// </summary>
internal sealed class HealthState
{
    private volatile string? _notReadyReason = "starting";

    public bool IsReady => _notReadyReason is null;

    /// <summary>Why the process is not ready; null when it is.</summary>
    public string? NotReadyReason => _notReadyReason;

    public void SetReady() => _notReadyReason = null;

    public void SetNotReady(string reason) => _notReadyReason = string.IsNullOrWhiteSpace(reason) ? "not ready" : reason;
}
