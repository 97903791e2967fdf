using System.Text.RegularExpressions;

namespace SlurmK8s.Slurm.Parsing;

/// <summary>
/// Parses scontrol's one-line output ("scontrol show job -o", "show partition -o", "show node -o"):
/// space-separated Key=Value pairs whose values may themselves contain spaces.
/// </summary>
internal static partial class KeyValueLine
{
    // A token starts a new pair when it looks like Key= (letters, digits, '_', ':', '/', '.').
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_:/.]*=")]
    private static partial Regex KeyStart();

    public static Dictionary<string, string> Parse(string line)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        string? key = null;
        foreach (var token in line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (KeyStart().IsMatch(token))
            {
                var eq = token.IndexOf('=', StringComparison.Ordinal);
                key = token[..eq];
                // A repeated key (e.g. two "Gres=") keeps the first value.
                pairs.TryAdd(key, token[(eq + 1)..]);
            }
            else if (key is not null)
            {
                pairs[key] = pairs[key] + " " + token;
            }
        }
        return pairs;
    }

    public static string Get(this Dictionary<string, string> pairs, string key) =>
        pairs.TryGetValue(key, out var value) ? value : "";
}
