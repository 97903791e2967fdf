using System.Text;
using System.Text.RegularExpressions;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBoxContract;

/// <summary>
/// A shell-style glob, split into the directory to search from (the segments before the first wildcard) and a matcher
/// for paths below it. `*` and `?` stay within one segment and, as in a shell, do not match a leading '.';
/// `[abc]`, `[a-z]`, `[!abc]` match one character; a `**` segment matches any number of directories.
/// </summary>
internal sealed class GlobPattern
{
    private readonly Regex _matcher;

    private GlobPattern(string baseDirectory, Regex matcher, bool recursive, int depth)
    {
        BaseDirectory = baseDirectory;
        _matcher = matcher;
        IsRecursive = recursive;
        Depth = depth;
    }

    /// <summary>The absolute directory the pattern's wildcards start below (as written, not symlink-resolved).</summary>
    public string BaseDirectory { get; }

    /// <summary>Whether a `**` segment lets matches lie at any depth.</summary>
    public bool IsRecursive { get; }

    /// <summary>Without `**`: how many directories below <see cref="BaseDirectory"/> a match lies (0 = directly in it).</summary>
    public int Depth { get; }

    /// <summary>Whether <paramref name="text"/> holds a wildcard, i.e. names files by pattern rather than one file.</summary>
    public static bool IsGlob(string text) => text.AsSpan().IndexOfAny("*?[") >= 0;

    /// <summary>Whether a path relative to <see cref="BaseDirectory"/> (segments separated by '/') matches.</summary>
    public bool IsMatch(string relativePath)
    {
        try
        {
            return _matcher.IsMatch(relativePath);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, "the pattern is too complex to match in time: use fewer '*'");
        }
    }

    /// <summary>Reads <paramref name="pattern"/>, absolute or relative to <paramref name="workDirectory"/>.</summary>
    public static GlobPattern Parse(string pattern, string workDirectory)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, "pattern is empty: give a file name or a glob such as 'out/*.csv'");
        }
        if (pattern.Split('/').Contains(".."))
        {
            throw new SlurmException(SlurmErrorKind.PermissionDenied, $"{pattern}: '..' is not allowed in a pattern; name the files from the work dir or by absolute path");
        }
        var segments = Path.GetFullPath(pattern, workDirectory).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var first = Array.FindIndex(segments, IsGlob);
        // A plain path is a pattern that matches one name in its directory.
        var split = first < 0 ? segments.Length - 1 : first;
        if (split < 0)
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, $"{pattern}: names a directory, not files");
        }
        var rest = segments[split..];
        var recursive = rest.Contains("**");
        if (rest[^1] == "**")
        {
            // 'dir/**' means every file below dir.
            rest = [.. rest, "*"];
        }
        var regex = new StringBuilder("^");
        for (var i = 0; i < rest.Length; i++)
        {
            if (rest[i] == "**")
            {
                regex.Append(@"(?:(?!\.)[^/]+/)*");
                continue;
            }
            AppendSegment(regex, rest[i]);
            if (i < rest.Length - 1)
            {
                regex.Append('/');
            }
        }
        regex.Append('$');
        // Backtracking (the leading-dot rule needs a lookahead) bounded by a timeout: a pathological pattern fails, it does not hang.
        var matcher = new Regex(regex.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
        return new GlobPattern("/" + string.Join('/', segments[..split]), matcher, recursive, rest.Length - 1);
    }

    private static void AppendSegment(StringBuilder regex, string segment)
    {
        if (segment.Length > 0 && segment[0] is '*' or '?' or '[')
        {
            regex.Append(@"(?!\.)");
        }
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            switch (c)
            {
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '[' when ClosingBracket(segment, i) is var end and > 0:
                    AppendClass(regex, segment[(i + 1)..end]);
                    i = end;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
    }

    // The index of the ']' closing the set opened at 'open' (a ']' right after '[' or '[!' belongs to the set); -1 if none.
    private static int ClosingBracket(string segment, int open)
    {
        var i = open + 1;
        if (i < segment.Length && segment[i] is '!' or '^')
        {
            i++;
        }
        if (i < segment.Length && segment[i] == ']')
        {
            i++;
        }
        return i < segment.Length ? segment.IndexOf(']', i) : -1;
    }

    private static void AppendClass(StringBuilder regex, string content)
    {
        var negated = content.Length > 0 && content[0] is '!' or '^';
        regex.Append(negated ? "[^/" : "[");
        foreach (var c in negated ? content[1..] : content)
        {
            regex.Append(c is '\\' or '[' or ']' or '^' ? "\\" + c : c.ToString());
        }
        regex.Append(']');
    }
}
