namespace SlurmK8s.Companion;

/// <summary>Capped exponential delays with jitter, for calls that are worth repeating (red-box or the API server away for a while).</summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan maximum)
{
    private int _attempt;

    public void Reset() => _attempt = 0;

    public TimeSpan Next()
    {
        var ceiling = Math.Min(maximum.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 20)));
        _attempt++;
        // Jitter in [0.5, 1): companions restarted together do not retry in lockstep.
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + Random.Shared.NextDouble() / 2));
    }

    public Task DelayAsync(CancellationToken cancellationToken) => Task.Delay(Next(), cancellationToken);
}
