using System.Globalization;

namespace SlurmK8s.Tests.Integration;

/// <summary>Reads red-box's `server-timing` trailer (the W3C Server-Timing syntax), as a client would.</summary>
internal static class ServerTimingTrailer
{
    /// <summary>The duration of <paramref name="metric"/> in a value such as `submit;dur=3.612`.</summary>
    public static bool TryRead(string value, string metric, out TimeSpan duration)
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
