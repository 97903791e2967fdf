using System.Runtime.CompilerServices;

namespace SlurmK8s.Tests;

/// <summary>
/// Waits for a state that another thread or process reaches: a safety net with a generous deadline, not a timing
/// assertion. A timeout fails the test naming what was awaited (the condition's own source text unless told).
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);

    /// <summary>Checks <paramref name="condition"/> every few milliseconds until it holds.</summary>
    public static Task TrueAsync(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string what = "", TimeSpan? patience = null) =>
        ValueAsync(() => Task.FromResult(condition()), done => done, what, patience, interval: TimeSpan.FromMilliseconds(5));

    /// <summary>Asks <paramref name="condition"/> (e.g. of an API server) every 100 ms until it holds.</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, [CallerArgumentExpression(nameof(condition))] string what = "", TimeSpan? patience = null) =>
        ValueAsync(condition, done => done, what, patience);

    /// <summary>Reads every 100 ms until <paramref name="done"/> holds for what was read, and returns that.</summary>
    /// <param name="describe">How to show the last value read when time runs out.</param>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, [CallerArgumentExpression(nameof(done))] string what = "",
        TimeSpan? patience = null, Func<T, string>? describe = null, TimeSpan? interval = null)
    {
        var limit = patience ?? DefaultPatience;
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not reached within {limit.TotalSeconds} s: {what}" + (describe is null ? "" : $"; last seen: {describe(value)}"));
            }
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
    }
}
