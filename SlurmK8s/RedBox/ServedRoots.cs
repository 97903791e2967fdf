using Microsoft.Win32.SafeHandles;
using SlurmK8s.Os;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox;

/// <summary>
/// The directories one caller may read files from (its tenant's work root). A path is resolved (symlinks, '.', '..')
/// and must land inside a root; after opening, the file actually opened is checked again through /proc/self/fd, so a
/// symlink swapped in between the check and the open cannot lead outside. Every look at the file system is made with
/// the tenant user's rights (<see cref="FileSystemIdentity"/>), never red-box's: a hard link or symlink a job planted
/// reaches nothing its user could not read anyway.
/// </summary>
internal sealed class ServedRoots
{
    private readonly string _baseDirectory;
    private readonly UnixUser? _readAs;

    /// <param name="baseDirectory">What relative paths are relative to.</param>
    /// <param name="roots">The directories served.</param>
    /// <param name="readAs">The user whose rights every file access uses; null: red-box's own (tests of the path logic).</param>
    public ServedRoots(string baseDirectory, IEnumerable<string> roots, UnixUser? readAs)
    {
        _baseDirectory = baseDirectory;
        _readAs = readAs;
        Roots = AsReader(() => roots.Select(r => Libc.RealPath(r) ?? Path.GetFullPath(r)).Distinct().ToList());
    }

    public string BaseDirectory => _baseDirectory;

    /// <summary>Runs synchronous file-system work with the reader's rights.</summary>
    public T AsReader<T>(Func<T> work) => _readAs is null ? work() : FileSystemIdentity.As(_readAs, work);

    /// <summary>Whether a regular file exists at this (resolved) path, as the reader sees it.</summary>
    public bool FileExists(string resolved) => AsReader(() => File.Exists(resolved));

    public IReadOnlyList<string> Roots { get; }

    /// <summary>Opens a regular file under a root for reading, or throws PermissionDenied / NotFound naming the roots.</summary>
    public FileStream OpenRead(string requested) => AsReader(() => OpenReadAsReader(requested));

    private FileStream OpenReadAsReader(string requested)
    {
        var resolved = ResolveAsReader(requested);
        if (!File.Exists(resolved))
        {
            throw new SlurmException(SlurmErrorKind.NotFound, $"no such file: {requested}");
        }
        // Unbuffered: every reader reads whole chunks into a buffer of its own, and a follower keeps its stream open for hours.
        var stream = new FileStream(resolved, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, useAsync: true);
        var opened = OpenedPath(stream.SafeFileHandle);
        if (opened is null || !IsUnderRoot(opened))
        {
            stream.Dispose();
            throw Denied(requested);
        }
        return stream;
    }

    /// <summary>The canonical path of <paramref name="requested"/> if it lies under a root; PermissionDenied otherwise.</summary>
    public string Resolve(string requested) => AsReader(() => ResolveAsReader(requested));

    private string ResolveAsReader(string requested)
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
    public string? ResolveDirectory(string requested) => AsReader(() => ResolveDirectoryAsReader(requested));

    private string? ResolveDirectoryAsReader(string requested)
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
        new(SlurmErrorKind.PermissionDenied, $"{requested} is outside the directories red-box serves you ({RootList}): read files of your own jobs, under your tenant's work root");

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
