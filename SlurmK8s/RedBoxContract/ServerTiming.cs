using System.Globalization;

namespace SlurmK8s.RedBoxContract;

/// <summary>
/// The `server-timing` response trailer (the W3C Server-Timing syntax, in milliseconds): how long red-box itself took,
/// so a client or a benchmark can tell red-box's time from the transport's.
/// </summary>
internal static class ServerTiming
{
    public const string Key = "server-timing";

    public static string Format(string metric, TimeSpan duration) =>
        string.Create(CultureInfo.InvariantCulture, $"{metric};dur={duration.TotalMilliseconds:F3}");
}
