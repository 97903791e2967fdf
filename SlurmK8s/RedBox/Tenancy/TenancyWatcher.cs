using Microsoft.Extensions.Logging;
using SlurmK8s.Os;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>
/// Holds the tenancy map in force and follows its file. <see cref="Load"/> reads it at start (a missing or invalid
/// file is an exception, for red-box to refuse to start with); <see cref="FollowAsync"/> then re-reads it on every
/// change in its directory and every <c>pollInterval</c>. A good change replaces <see cref="Current"/> at once; a bad
/// one (or the file removed) keeps the last good map and is logged once per distinct problem.
/// <para>
/// The user database's files (/etc/passwd, /etc/group) are compared on every re-read too, so a user added to a group,
/// or created after the file named it, is picked up by the next poll without touching the tenancy file.
/// </para>
/// <para>
/// The file decides which Unix user jobs run as, so it is only trusted when root (or red-box's own user) owns it and its
/// directory and neither is writable by group or others; the owner and mode are read from the open file, not its name.
/// </para>
/// <para>
/// NodeConfigWatcher is not reused: it yields the file's text only, and this must also notice the user database and
/// the file's owner and mode changing.
/// </para>
/// </summary>
/// <param name="redBox">Who red-box runs as (see <see cref="TenancyFile.Parse"/>); null skips those checks.</param>
/// <param name="debounce">How long events settle before the re-read, so an editor's truncate-then-write is one change.</param>
/// <param name="pollInterval">How often the files are re-read without an event.</param>
internal sealed partial class TenancyWatcher(string filePath, IUserDatabase users, RedBoxIdentity? redBox, TimeSpan debounce, TimeSpan pollInterval,
    ILogger<TenancyWatcher> logger)
{
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private TenancyMap? _current;
    private string? _problem;
    private string? _seen;
    private string? _lastLogged;

    public string FilePath { get; } = filePath;

    /// <summary>The map in force. Read it once per decision: a concurrent reload swaps the whole map, never part of it.</summary>
    public TenancyMap Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException($"{nameof(TenancyWatcher)}.{nameof(Load)} has not succeeded");

    /// <summary>Why the file as it is now is not the one in force (the exception's message); null when it is.</summary>
    public string? Problem => Volatile.Read(ref _problem);

    /// <summary>Reads the file and makes it <see cref="Current"/>.</summary>
    /// <exception cref="TenancyFileException">The file is missing, unreadable, untrusted or invalid.</exception>
    public TenancyMap Load()
    {
        lock (_gate)
        {
            var map = Read(out var seen, out var error) ?? throw error!;
            _seen = seen;
            Use(map);
            return map;
        }
    }

    /// <summary>Re-reads the files now, as each event and poll does; true when <see cref="Current"/> was replaced.</summary>
    public bool Refresh()
    {
        lock (_gate)
        {
            if (_current is null)
            {
                throw new InvalidOperationException($"{nameof(TenancyWatcher)}.{nameof(Load)} has not succeeded");
            }
            var map = Read(out var seen, out var error);
            if (string.Equals(seen, _seen, StringComparison.Ordinal))
            {
                return false;
            }
            _seen = seen;
            if (map is not null)
            {
                Use(map);
                return true;
            }
            Volatile.Write(ref _problem, error!.Message);
            if (!string.Equals(error.Message, _lastLogged, StringComparison.Ordinal))
            {
                _lastLogged = error.Message;
                LogKeptLastGood(logger, error.Message);
            }
            return false;
        }
    }

    /// <summary>Follows the file until cancelled; <see cref="Load"/> first.</summary>
    public async Task FollowAsync(CancellationToken cancellationToken)
    {
        using var wakeups = new DirectoryWakeups(Path.GetDirectoryName(Path.GetFullPath(FilePath))!, debounce, pollInterval, logger);
        while (true)
        {
            await wakeups.WaitAsync(cancellationToken).ConfigureAwait(false);
            Refresh();
        }
    }

    private void Use(TenancyMap map)
    {
        Volatile.Write(ref _current, map);
        Volatile.Write(ref _problem, null);
        _lastLogged = null;
        var summary = map.Summary(); // loads are rare: always worth the string
        LogInForce(logger, FilePath, summary);
    }

    /// <summary>
    /// The file checked and parsed, or null with why not. <paramref name="seen"/> is everything the result depends on
    /// (the text, the owners and modes, the user database's files), so an unchanged one needs no new parse.
    /// </summary>
    private TenancyMap? Read(out string seen, out TenancyFileException? error)
    {
        error = null;
        string text;
        (uint Uid, uint Gid, uint Mode)? owner;
        try
        {
            using var handle = File.OpenHandle(FilePath, FileMode.Open, FileAccess.Read);
            owner = Libc.FileOwner(handle);
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            using var reader = new StreamReader(stream);
            text = reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            seen = "missing";
            error = new TenancyFileException(FilePath, null, null,
                "the file does not exist: write it (manifests/tenants.yaml is an example), or point red-box at the right file");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            seen = "unreadable: " + e.Message;
            error = new TenancyFileException(FilePath, null, null, $"the file cannot be read ({e.Message}): make it readable by red-box's user (mode 0644)");
            return null;
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(FilePath))!;
        var directoryOwner = Libc.FileOwner(directory);
        seen = string.Join('\n', [owner.ToString(), directoryOwner.ToString(), text, .. users.Sources.Select(ReadOrNothing)]);
        if (TrustProblem(owner, directory, directoryOwner) is { } problem)
        {
            error = new TenancyFileException(FilePath, null, null, problem);
            return null;
        }
        try
        {
            return TenancyFile.Parse(text, FilePath, users, redBox);
        }
        catch (TenancyFileException e)
        {
            error = e;
            return null;
        }

        static string ReadOrNothing(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return "";
            }
        }
    }

    /// <summary>Why the file cannot be trusted to say who jobs run as, or null: someone other than root or red-box could change it.</summary>
    private string? TrustProblem((uint Uid, uint Gid, uint Mode)? file, string directory, (uint Uid, uint Gid, uint Mode)? parent)
    {
        const uint GroupOrOtherWrite = 0b000_010_010; // 0022
        const uint Sticky = 0b001_000_000_000; // 01000: only a file's owner may replace it
        var self = Libc.GetEffectiveUserId();
        if (file is not { } f || parent is not { } d)
        {
            return "its owner and mode cannot be read: check the file and its directory";
        }
        if (f.Uid != 0 && f.Uid != self)
        {
            return $"the file belongs to uid {f.Uid}, not root: whoever can change it chooses which Unix user jobs run as; chown root {FilePath}";
        }
        if ((f.Mode & GroupOrOtherWrite) != 0)
        {
            return $"the file is writable by its group or others (mode {Octal(f.Mode)}): whoever can change it chooses which Unix user jobs run as; chmod go-w {FilePath}";
        }
        if (d.Uid != 0 && d.Uid != self)
        {
            return $"its directory belongs to uid {d.Uid}, not root: its owner could replace the file; chown root {directory}";
        }
        if ((d.Mode & GroupOrOtherWrite) != 0 && (d.Mode & Sticky) == 0)
        {
            return $"its directory is writable by its group or others (mode {Octal(d.Mode)}): they could replace the file; chmod go-w {directory}";
        }
        return null;

        static string Octal(uint mode) => "0" + Convert.ToString(mode, 8).PadLeft(3, '0');
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenancy file {Path} in force: {Summary}")]
    private static partial void LogInForce(ILogger logger, string path, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tenancy file cannot be used, so the last good version stays in force: {Problem}")]
    private static partial void LogKeptLastGood(ILogger logger, string problem);

}
