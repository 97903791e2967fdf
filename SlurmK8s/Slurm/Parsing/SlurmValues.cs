using System.Globalization;

namespace SlurmK8s.Slurm.Parsing;

/// <summary>Readers for the value formats Slurm's commands share.</summary>
internal static class SlurmValues
{
    /// <summary>"3:0" (exit:signal) → (3, 0). Empty or malformed → (0, 0).</summary>
    public static (int Exit, int Signal) ParseExitCode(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (0, 0);
        }
        var parts = text.Split(':');
        var exit = int.TryParse(parts[0], CultureInfo.InvariantCulture, out var e) ? e : 0;
        var signal = parts.Length > 1 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var s) ? s : 0;
        return (exit, signal);
    }

    /// <summary>A raw wait status (squeue JSON's exit_code in 22.05: 768 = exit 3) → (exit, signal).</summary>
    public static (int Exit, int Signal) FromWaitStatus(long status) =>
        (status & 0x7f) == 0 ? ((int)((status >> 8) & 0xff), 0) : (0, (int)(status & 0x7f));

    /// <summary>"2026-11-24T10:00:00" in the controller's local time; "Unknown", "None", "N/A" → null.</summary>
    public static DateTimeOffset? ParseTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !char.IsDigit(text[0]))
        {
            return null;
        }
        return DateTime.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local)
            ? new DateTimeOffset(local).ToUniversalTime()
            : null;
    }

    /// <summary>Slurm durations: "UNLIMITED", "INFINITE", "minutes", "m:s", "h:m:s", "d-h", "d-h:m", "d-h:m:s". Null when unlimited or unparsable.</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        text = text.Trim();
        if (text is "UNLIMITED" or "INFINITE" or "Partition_Limit" or "NONE" or "N/A")
        {
            return null;
        }
        var days = 0;
        var rest = text;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            if (!int.TryParse(text[..dash], CultureInfo.InvariantCulture, out days))
            {
                return null;
            }
            rest = text[(dash + 1)..];
        }
        var parts = rest.Split(':');
        var numbers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }
        return (dash > 0, numbers.Length) switch
        {
            (false, 1) => TimeSpan.FromMinutes(numbers[0]),
            (false, 2) => new TimeSpan(0, numbers[0], numbers[1]),
            (false, 3) => new TimeSpan(numbers[0], numbers[1], numbers[2]),
            (true, 1) => new TimeSpan(days, numbers[0], 0, 0),
            (true, 2) => new TimeSpan(days, numbers[0], numbers[1], 0),
            (true, 3) => new TimeSpan(days, numbers[0], numbers[1], numbers[2]),
            _ => null,
        };
    }

    /// <summary>"(null)", "N/A", "None" and empty all mean nothing.</summary>
    public static string Clean(string? text) =>
        text is null or "(null)" or "N/A" or "None" or "None assigned" ? "" : text;

    /// <summary>Expands an array index expression: "1-3", "1,4,7", "1-9:2", with an optional "%N" throttle.</summary>
    public static IReadOnlyList<long> ExpandArrayIndexes(string? expression)
    {
        var result = new List<long>();
        if (string.IsNullOrWhiteSpace(expression))
        {
            return result;
        }
        var throttle = expression.IndexOf('%', StringComparison.Ordinal);
        var body = throttle >= 0 ? expression[..throttle] : expression;
        foreach (var part in body.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var stepSplit = part.Split(':');
            var step = stepSplit.Length > 1 && long.TryParse(stepSplit[1], CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 1;
            var range = stepSplit[0].Split('-');
            if (!long.TryParse(range[0], CultureInfo.InvariantCulture, out var first))
            {
                continue;
            }
            var last = range.Length > 1 && long.TryParse(range[1], CultureInfo.InvariantCulture, out var l) ? l : first;
            for (var index = first; index <= last && result.Count < 100_000; index += step)
            {
                result.Add(index);
            }
        }
        return result;
    }
}
