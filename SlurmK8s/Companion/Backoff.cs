using SlurmK8s.Kube;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Companion;

/// <summary>
/// Pauses between attempts at a call worth repeating (red-box or the API server away for a while): capped exponential
/// (<see cref="ExponentialBackoff"/>), cut short by up to half at random so that companions restarted together do not
/// retry in lockstep.
/// </summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan maximum)
{
    private readonly ExponentialBackoff _delays = new(initial, maximum, Jitter: 0.5);
    private int _failures;

    public Backoff(CompanionOptions options)
        : this(options.RetryDelay, options.MaxRetryDelay)
    {
    }

    /// <summary>Between attempts at red-box: the same start, a short cap (<see cref="CompanionOptions.MaxRedBoxRetryDelay"/>).</summary>
    public static Backoff ForRedBox(CompanionOptions options) => new(options.RetryDelay, options.MaxRedBoxRetryDelay);

    public void Reset() => _failures = 0;

    public Task DelayAsync(CancellationToken cancellationToken) => Task.Delay(_delays.Delay(++_failures, Random.Shared.NextDouble()), cancellationToken);

    /// <summary>
    /// Calls until the call returns. A <typeparamref name="TException"/> that <paramref name="isPassing"/> accepts goes to
    /// <paramref name="onRetry"/> (to be logged) and the call is made again after a pause; any other failure is thrown.
    /// </summary>
    public async Task<T> RetryAsync<T, TException>(Func<Task<T>> call, Func<TException, bool> isPassing, Action<TException> onRetry, CancellationToken cancellationToken)
        where TException : Exception
    {
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (TException e) when (isPassing(e))
            {
                onRetry(e);
                await DelayAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
