using System.Globalization;

namespace SlurmK8s.Slurm.Sbatch;

/// <summary>Readers for the values of the directives we map, accepting what sbatch 22.05 accepts (checked against it).</summary>
internal static class SbatchValues
{
    /// <summary>A whole number ≥ 1 (--ntasks, --ntasks-per-node, --cpus-per-task): sbatch refuses 0.</summary>
    public static bool TryParsePositive(string text, out int value) =>
        TryParseDigits(text, out value) && value >= 1;

    /// <summary>--nodes: <c>min[-max]</c>, each a count with an optional k (×1024) or m (×1048576) suffix.</summary>
    public static bool TryParseNodeRange(string text, out int min, out int? max)
    {
        max = null;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return TryParseScaled(text, out min);
        }
        if (!TryParseScaled(text[..dash], out min) || !TryParseScaled(text[(dash + 1)..], out var upper))
        {
            return false;
        }
        max = upper;
        return true;
    }

    /// <summary>
    /// --mem, --mem-per-cpu, --mem-per-gpu: a whole number with an optional unit K, M (default), G or T, either case,
    /// optionally followed by B ("4GB"); K rounds up to whole MiB as Slurm does. Result in MiB.
    /// </summary>
    public static bool TryParseMemoryMiB(string text, out long mebibytes)
    {
        mebibytes = 0;
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }
        if (digits == 0 || digits > 18 || !long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }
        var unit = text[digits..];
        if (unit.Length == 2 && unit[1] is 'B' or 'b')
        {
            unit = unit[..1];
        }
        long? result = unit switch
        {
            "" or "M" or "m" => number,
            "K" or "k" => (number + 1023) / 1024,
            "G" or "g" => Saturating.Multiply(number, 1024),
            "T" or "t" => Saturating.Multiply(number, 1024 * 1024),
            _ => null,
        };
        if (result is not { } value || value == long.MaxValue)
        {
            return false;
        }
        mebibytes = value;
        return true;
    }

    /// <summary>
    /// --time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or UNLIMITED/INFINITE/-1. Rounded up to whole minutes as
    /// Slurm stores it; 0 means no limit (as sbatch reads it) and comes back as <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    public static bool TryParseTimeLimit(string text, out TimeSpan limit)
    {
        limit = Timeout.InfiniteTimeSpan;
        if (text.Equals("UNLIMITED", StringComparison.OrdinalIgnoreCase) || text.Equals("INFINITE", StringComparison.OrdinalIgnoreCase) || text == "-1")
        {
            return true;
        }
        var days = 0;
        var clock = text;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            if (!TryParseDigits(text[..dash], out days))
            {
                return false;
            }
            clock = text[(dash + 1)..];
        }
        long seconds;
        if (dash >= 0 && clock.Length == 0)
        {
            seconds = 0; // "1-" is one day
        }
        else
        {
            var parts = clock.Split(':');
            if (parts.Length > 3)
            {
                return false;
            }
            var numbers = new int[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                if (!TryParseDigits(parts[i], out numbers[i]))
                {
                    return false;
                }
            }
            seconds = (dash >= 0, numbers.Length) switch
            {
                (false, 1) => numbers[0] * 60L,
                (false, 2) => numbers[0] * 60L + numbers[1],
                (_, 3) => numbers[0] * 3600L + numbers[1] * 60L + numbers[2],
                (true, 1) => numbers[0] * 3600L,
                _ => numbers[0] * 3600L + numbers[1] * 60L, // D-HH:MM
            };
        }
        seconds += days * 86400L;
        var minutes = (seconds + 59) / 60;
        if (minutes > int.MaxValue)
        {
            return false;
        }
        limit = minutes == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMinutes(minutes);
        return true;
    }

    /// <summary>--gpus, --gpus-per-node, --gpus-per-task: <c>[type:]count</c>.</summary>
    public static bool TryParseGpuCount(string text, out long count)
    {
        var colon = text.LastIndexOf(':');
        var number = colon >= 0 ? text[(colon + 1)..] : text;
        count = 0;
        return colon != 0 && SlurmResources.TryParseCount(number, out count);
    }

    private static bool TryParseScaled(string text, out int value)
    {
        value = 0;
        if (!SlurmResources.TryParseCount(text, out var wide) || wide > int.MaxValue)
        {
            return false;
        }
        value = (int)wide;
        return true;
    }

    /// <summary>ASCII digits only (no sign, no spaces), fitting an int.</summary>
    private static bool TryParseDigits(string text, out int value)
    {
        value = 0;
        return text.Length is > 0 and <= 10
            && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
