using System.Globalization;
using System.Text;

namespace SlurmK8s.Slurm;

/// <summary>
/// Where Slurm writes a job's standard output: the one place that knows Slurm's default names (slurm-%j.out, and
/// slurm-%A_%a.out for an array task) and how sbatch fills the %-patterns of --output. Red-box fills every job's and
/// started task's output path with it, so no client works a file name out.
/// </summary>
internal static class SlurmOutputPath
{
    /// <summary>Slurm's name when the script does not choose one.</summary>
    public const string DefaultPattern = "slurm-%j.out";

    /// <summary>Slurm's name for an array task's output when the script does not choose one.</summary>
    public const string DefaultArrayPattern = "slurm-%A_%a.out";

    // Slurm's stand-in for "no task id" (NO_VAL): what %a is in a job that is not an array.
    private const long NoTask = 4294967294;

    /// <summary>
    /// The real path of <paramref name="row"/>'s output: the path Slurm reported (squeue's STDOUT is the --output
    /// pattern unexpanded, and for an array task wrongly slurm-&lt;task's job id&gt;.out), or Slurm's default name when it
    /// reported none (accounting), expanded and made absolute against the work dir. Empty when the work dir is unknown
    /// and the path is relative.
    /// </summary>
    public static string Of(JobRecord row)
    {
        var pattern = row.StdOut.Length == 0 || IsSqueuesGuess(row) ? DefaultFor(row) : row.StdOut;
        var path = Expand(pattern, row);
        if (Path.IsPathRooted(path))
        {
            return path;
        }
        return row.WorkDir.Length > 0 ? Path.Join(row.WorkDir, path) : "";
    }

    private static string DefaultFor(JobRecord row) => row.ArrayTaskId is null ? DefaultPattern : DefaultArrayPattern;

    // squeue, asked for a job without --output, prints the plain job's default with the row's own id, an array task's too.
    private static bool IsSqueuesGuess(JobRecord row) => row.StdOut.EndsWith("/" + Expand(DefaultPattern, row), StringComparison.Ordinal);

    /// <summary>sbatch's filename patterns: %% %A %a %j %J %x %u %N %n %t %s, each number optionally zero-padded (%3a).</summary>
    internal static string Expand(string pattern, JobRecord row)
    {
        if (!pattern.Contains('%', StringComparison.Ordinal))
        {
            return pattern;
        }
        var text = new StringBuilder(pattern.Length + 16);
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != '%' || i + 1 >= pattern.Length)
            {
                text.Append(pattern[i]);
                continue;
            }
            var start = i + 1;
            var end = start;
            while (end < pattern.Length && char.IsAsciiDigit(pattern[end]))
            {
                end++;
            }
            if (end >= pattern.Length)
            {
                text.Append(pattern, i, pattern.Length - i);
                break;
            }
            var width = end > start ? int.Parse(pattern.AsSpan(start, end - start), CultureInfo.InvariantCulture) : 0;
            string? value = pattern[end] switch
            {
                '%' => "%",
                'A' => Number(row.ArrayJobId ?? row.JobId, width),
                'a' => Number(row.ArrayTaskId ?? NoTask, width),
                'j' or 'J' => Number(row.JobId, width),
                'n' or 't' => Number(0, width),
                's' => "batch",
                'x' => row.Name,
                'u' => row.User,
                'N' => FirstNode(row.NodeList),
                _ => null,
            };
            if (value is null)
            {
                // Not a pattern Slurm knows: kept as written, as sbatch does.
                text.Append(pattern, i, end - i + 1);
            }
            else
            {
                text.Append(value);
            }
            i = end;
        }
        return text.ToString();
    }

    private static string Number(long value, int width) => value.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');

    // The batch script runs on the first node of the list: "n1,n2" and "n[1-3]" both start with n1.
    private static string FirstNode(string nodeList)
    {
        var first = nodeList.Split(',')[0];
        var open = first.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return first;
        }
        var index = first[(open + 1)..];
        var stop = index.IndexOfAny(['-', ']']);
        return first[..open] + (stop < 0 ? index : index[..stop]);
    }
}
