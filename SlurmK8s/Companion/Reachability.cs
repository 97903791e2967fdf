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

    /// <summary>Notes a failed attempt; true when it is the first of its outage (worth a log line; the rest are not).</summary>
    public bool Failed(OutageComponent component, string where, string message)
    {
        lock (_gate)
        {
            var continues = _failing is { } failing && failing.Component == component;
            _failing = continues
                ? _failing! with { Where = where, Message = message }
                : new Outage { Component = component, Where = where, Message = message, Since = time.GetUtcNow().UtcDateTime };
            return !continues;
        }
    }

    /// <summary>Notes an answer; the outage it ended, if any.</summary>
    public Outage? Answered()
    {
        lock (_gate)
        {
            var ended = _failing;
            _failing = null;
            return ended;
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
