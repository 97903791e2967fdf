namespace SlurmK8s.ControllerRuntime;

/// <summary>
/// Capped exponential backoff with jitter: Initial, 2×, 4×, … up to Max, each shortened by a random share of up to
/// <see cref="Jitter"/> so that many clients failing together do not retry together. Never longer than Max.
/// The one backoff of the program: the work queue's, the watches', resourced's retries, the companion's
/// <c>Backoff</c> and the leader elector's polling all use it.
/// </summary>
internal sealed record ExponentialBackoff(TimeSpan Initial, TimeSpan Max, double Jitter = 0.2)
{
    /// <summary>
    /// A steady period lengthened at random by up to <paramref name="maxFactor"/> of itself (client-go's wait.Jitter), for
    /// polling that is not failing: <c>Delay(1, r)</c> lies in (period, period × (1 + maxFactor)].
    /// </summary>
    public static ExponentialBackoff Jittered(TimeSpan period, double maxFactor)
    {
        var longest = period * (1 + maxFactor);
        return new ExponentialBackoff(longest, longest, maxFactor / (1 + maxFactor));
    }

    /// <summary>The pause after the <paramref name="failures"/>-th failure in a row; <paramref name="random01"/> is uniform in [0, 1).</summary>
    public TimeSpan Delay(int failures, double random01)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }
        var exponent = Math.Min(failures - 1, 30);
        var full = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(full * (1 - Math.Clamp(Jitter, 0, 1) * Math.Clamp(random01, 0, 1)));
    }
}
