using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Companion;

/// <summary>
/// Whether the path to Slurm answers: red-box on this node, and slurmctld behind it. Every failed attempt and every
/// answer is told here; <see cref="Outage"/> is what status.companion.outage should say now — the failure that has
/// lasted longer than the threshold (since its first failed attempt), null while nothing has for that long or once
/// something answered. A failure of another component starts a new outage.
/// </summary>
internal sealed class Reachability(TimeSpan threshold, TimeProvider time)
{
    private readonly Lock _gate = new();
    private Outage? _failing;

    public void Failed(OutageComponent component, string where, string message)
    {
        lock (_gate)
        {
            _failing = _failing is { } failing && failing.Component == component
                ? failing with { Where = where, Message = message }
                : new Outage { Component = component, Where = where, Message = message, Since = time.GetUtcNow().UtcDateTime };
        }
    }

    public void Answered()
    {
        lock (_gate)
        {
            _failing = null;
        }
    }

    public Outage? Outage
    {
        get
        {
            lock (_gate)
            {
                return _failing is { } failing && time.GetUtcNow().UtcDateTime - failing.Since >= threshold ? failing : null;
            }
        }
    }
}
