using SlurmK8s.RedBoxContract;
using SlurmK8s.Os;

namespace SlurmK8s.RedBox;

/// <summary>
/// Resolves globs to files under the served roots, so a client can collect "out/*.csv" from a server that only serves
/// files. Confined like <see cref="ServedRoots.OpenRead"/>: the search starts inside a root and every match must
/// resolve (symlinks followed) inside a root, or it is left out.
/// </summary>
internal sealed class FileLister(int limit = FileLister.DefaultLimit)
{
    public const int DefaultLimit = 10_000;

    /// <summary>The files under <paramref name="roots"/> that <paramref name="pattern"/> names, found with the roots' reader's rights.</summary>
    public FileListing List(ServedRoots roots, string pattern) => roots.AsReader(() => ListAsReader(roots, pattern));

    private FileListing ListAsReader(ServedRoots roots, string pattern)
    {
        var glob = GlobPattern.Parse(pattern, roots.BaseDirectory);
        if (roots.ResolveDirectory(glob.BaseDirectory) is not { } start)
        {
            return new FileListing([], false);
        }
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = glob.IsRecursive || glob.Depth > 0,
            MaxRecursionDepth = glob.IsRecursive ? 64 : glob.Depth,
            IgnoreInaccessible = true,
            AttributesToSkip = 0,
        };
        var paths = new List<string>();
        var truncated = false;
        foreach (var file in Directory.EnumerateFiles(start, "*", options))
        {
            var relative = Path.GetRelativePath(start, file);
            if (!glob.IsMatch(relative) || Libc.RealPath(file) is not { } real || !roots.IsUnderRoot(real) || !File.Exists(real))
            {
                continue;
            }
            if (paths.Count == limit)
            {
                truncated = true;
                break;
            }
            paths.Add(Path.Join(glob.BaseDirectory, relative));
        }
        paths.Sort(StringComparer.Ordinal);
        return new FileListing(paths, truncated);
    }
}
