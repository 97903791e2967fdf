namespace SlurmK8s.Slurm;

/// <summary>
/// Slurm's generic resources (GRES), read in one way for both their sources: a script's --gres
/// (<c>gpu:2,mps:100</c>) and a node's Gres= (<c>gpu:tesla:2(S:0-1)</c>). An item is <c>[gres/]name[:type][:count]</c>
/// with an optional "(…)" binding: the count defaults to 1, takes K/M/G/T/P suffixes (powers of 1024), and counts of
/// one name are summed over its types (<c>gpu:a100:1,gpu:v100:2</c> is gpu 3).
/// </summary>
internal static class Gres
{
    /// <summary>One item: "gpu:tesla:2(S:0-1)" → (gpu, 2); "gpu:2" → (gpu, 2); "gpu:a100" → (gpu, 1); "mps:1K" → (mps, 1024).</summary>
    public static bool TryParseItem(string item, out string name, out long count)
    {
        count = 1;
        var bare = item.Split('(')[0].Trim();
        var parts = bare.Split(':');
        name = parts[0].StartsWith("gres/", StringComparison.Ordinal) ? parts[0]["gres/".Length..] : parts[0];
        if (name.Length == 0 || parts.Length > 3 || parts.Any(p => p.Length == 0))
        {
            return false;
        }
        if (parts.Length == 3)
        {
            return SlurmResources.TryParseCount(parts[2], out count);
        }
        // "gpu:2" is a count, "gpu:a100" (or "gpu:1g.5gb") a type.
        if (parts.Length == 2 && SlurmResources.TryParseCount(parts[1], out var counted))
        {
            count = counted;
        }
        return true;
    }

    /// <summary>A comma-separated list (or "none"), summed by name; false if any item is not a GRES.</summary>
    public static bool TryParseList(string text, out Dictionary<string, long> countsByName)
    {
        countsByName = new Dictionary<string, long>(StringComparer.Ordinal);
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        foreach (var item in text.Split(','))
        {
            if (!TryParseItem(item, out var name, out var count))
            {
                return false;
            }
            countsByName[name] = Saturating.Add(countsByName.GetValueOrDefault(name), count);
        }
        return true;
    }
}
