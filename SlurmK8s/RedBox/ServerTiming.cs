using System.Globalization;

namespace SlurmK8s.RedBox;

/// <summary>
/// The `server-timing` response trailer (the W3C Server-Timing syntax, in milliseconds): how long red-box itself took,
/// so a client or a benchmark can tell red-box's time from the transport's.
/// </summary>
internal static class ServerTiming
{
    public const string Key = "server-timing";

    public static string Format(string metric, TimeSpan duration) =>
        string.Create(CultureInfo.InvariantCulture, $"{metric};dur={duration.TotalMilliseconds:F3}");

    /// <summary>The duration of <paramref name="metric"/> in a trailer value such as `submit;dur=3.612`.</summary>
    public static bool TryParse(string value, string metric, out TimeSpan duration)
    {
        duration = default;
        foreach (var entry in value.Split(','))
        {
            var parts = entry.Trim().Split(';');
            if (parts[0] != metric)
            {
                continue;
            }
            foreach (var parameter in parts.Skip(1))
            {
                if (parameter.StartsWith("dur=", StringComparison.Ordinal)
                    && double.TryParse(parameter.AsSpan(4), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
                {
                    duration = TimeSpan.FromMilliseconds(ms);
                    return true;
                }
            }
        }
        return false;
    }
}
