namespace SlurmK8s.Kube;

/// <summary>
/// A token bucket, as client-go's client-side rate limiter (<c>flowcontrol.NewTokenBucketRateLimiter(qps, burst)</c>):
/// <paramref name="burst"/> requests may go at once, then <paramref name="qps"/> a second. A caller that finds the bucket
/// empty reserves the next token and waits for it, so waiters go in the order they came and none is starved.
/// </summary>
internal sealed class TokenBucket
{
    private readonly double _qps;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _refilledAt;

    public TokenBucket(double qps, int burst, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(qps);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _qps = qps;
        _burst = burst;
        _time = time ?? TimeProvider.System;
        _tokens = burst;
        _refilledAt = _time.GetTimestamp();
    }

    /// <summary>Takes a token, waiting for one if the bucket is empty; returns how long it waited (zero: not at all).</summary>
    public async ValueTask<TimeSpan> TakeAsync(CancellationToken cancellationToken)
    {
        var wait = Reserve();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        return wait;
    }

    /// <summary>Takes a token now, possibly one not yet there (the bucket goes below zero): how long until it is.</summary>
    internal TimeSpan Reserve()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + _time.GetElapsedTime(_refilledAt, now).TotalSeconds * _qps);
            _refilledAt = now;
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _qps);
        }
    }
}
