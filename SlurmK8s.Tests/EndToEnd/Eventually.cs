using System.Runtime.CompilerServices;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>
/// Waits for a state the cluster reaches on its own, failing with what was awaited and what was last seen.
/// The same calls as main's SlurmK8s.Tests.Eventually (its "tidy" merge): once both meet, this file goes and the
/// calls bind to that one.
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);

    /// <summary>Asks <paramref name="condition"/> every 100 ms until it holds.</summary>
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
