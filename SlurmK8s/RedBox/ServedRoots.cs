using Microsoft.Win32.SafeHandles;
using SlurmK8s.Os;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox;

/// <summary>
/// The directories red-box serves files from. A path is resolved (symlinks, '.', '..') and must land inside a root;
/// after opening, the file actually opened is checked again through /proc/self/fd, so a symlink swapped in between
/// the check and the open cannot lead outside.
/// </summary>
internal sealed class ServedRoots
{
    private readonly string _baseDirectory;

    public ServedRoots(string baseDirectory, IEnumerable<string> roots)
    {
        _baseDirectory = baseDirectory;
        Roots = roots.Select(r => Libc.RealPath(r) ?? Path.GetFullPath(r)).Distinct().ToList();
    }

    public IReadOnlyList<string> Roots { get; }

    /// <summary>Opens a regular file under a root for reading, or throws PermissionDenied / NotFound naming the roots.</summary>
    public FileStream OpenRead(string requested)
    {
        var resolved = Resolve(requested);
        if (!File.Exists(resolved))
        {
            throw new SlurmException(SlurmErrorKind.NotFound, $"no such file: {requested}");
        }
        var stream = new FileStream(resolved, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        var opened = OpenedPath(stream.SafeFileHandle);
        if (opened is null || !IsUnderRoot(opened))
        {
            stream.Dispose();
            throw Denied(requested);
        }
        return stream;
    }

    /// <summary>The canonical path of <paramref name="requested"/> if it lies under a root; PermissionDenied otherwise.</summary>
    public string Resolve(string requested)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, "path is empty: give a file under " + RootList);
        }
        var full = Path.GetFullPath(requested, _baseDirectory);
        // A file that does not exist yet still has to be inside a root: resolve its directory.
        var real = Libc.RealPath(full) ?? (Libc.RealPath(Path.GetDirectoryName(full) ?? "/") is { } dir ? Path.Combine(dir, Path.GetFileName(full)) : null);
        if (real is null || !IsUnderRoot(real) || requested.Split('/').Contains(".."))
        {
            throw Denied(requested);
        }
        return real;
    }

    /// <summary>
    /// The canonical path of a directory that is a root or lies under one; null when it does not exist (yet) there;
    /// PermissionDenied when it resolves outside every root.
    /// </summary>
    public string? ResolveDirectory(string requested)
    {
        var full = Path.GetFullPath(requested, _baseDirectory);
        if (requested.Split('/').Contains(".."))
        {
            throw Denied(requested);
        }
        // A missing directory is judged by its nearest existing ancestor, resolved.
        var existing = full;
        string? real;
        while ((real = Libc.RealPath(existing)) is null)
        {
            existing = Path.GetDirectoryName(existing) ?? "/";
        }
        var canonical = existing == full ? real : Path.Join(real, Path.GetRelativePath(existing, full));
        if (!IsRootOrUnder(canonical))
        {
            throw Denied(requested);
        }
        return existing == full && Directory.Exists(real) ? real : null;
    }

    public bool IsUnderRoot(string canonicalPath) =>
        Roots.Any(root => canonicalPath.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal));

    private bool IsRootOrUnder(string canonicalPath) => Roots.Contains(canonicalPath.TrimEnd('/')) || IsUnderRoot(canonicalPath);

    private string RootList => string.Join(", ", Roots);

    private SlurmException Denied(string requested) =>
        new(SlurmErrorKind.PermissionDenied, $"{requested} is outside the directories red-box serves ({RootList}); ask an administrator to add a --serve-root");

    private static string? OpenedPath(SafeFileHandle handle)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
