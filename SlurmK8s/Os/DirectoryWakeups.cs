using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace SlurmK8s.Os;

/// <summary>
/// Wakes a file's follower when anything changes in the file's directory (inotify, through FileSystemWatcher), and at
/// the latest every poll interval. The watch is on the DIRECTORY: a file replaced by a rename (an editor's save, the
/// kubelet's ConfigMap update, an atomic install) is an event there and not on the old file. Each wake-up only prompts
/// a re-read whose content decides whether anything changed; the periodic one is the safety net for events inotify
/// drops (queue overflow, watch limits, a directory replaced or created late). Watching starts at construction, so a
/// change between the follower's first read and its first wait is not missed.
/// </summary>
internal sealed partial class DirectoryWakeups : IDisposable
{
    private readonly string _directory;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _pollInterval;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private FileSystemWatcher? _watcher;

    /// <param name="debounce">How long events settle before the wake-up, so a burst (truncate then write, several renames) is one.</param>
    /// <param name="pollInterval">The longest time between wake-ups without an event.</param>
    public DirectoryWakeups(string directory, TimeSpan debounce, TimeSpan pollInterval, ILogger logger)
    {
        _directory = directory;
        _debounce = debounce;
        _pollInterval = pollInterval;
        _logger = logger;
        _watcher = Watch();
    }

    /// <summary>Returns after an event in the directory (debounced) or after the poll interval, whichever comes first.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        using (var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            poll.CancelAfter(_pollInterval);
            try
            {
                await _wake.Reader.ReadAsync(poll.Token).ConfigureAwait(false);
                await Task.Delay(_debounce, cancellationToken).ConfigureAwait(false);
                _wake.Reader.TryRead(out _);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // the periodic wake-up
            }
        }
        // A directory created after start, or a watcher that reported an error, is watched afresh.
        if (Volatile.Read(ref _watcher) is null)
        {
            Volatile.Write(ref _watcher, Watch());
        }
    }

    public void Dispose() => Interlocked.Exchange(ref _watcher, null)?.Dispose();

    private FileSystemWatcher? Watch()
    {
        if (!Directory.Exists(_directory))
        {
            return null;
        }
        var watcher = new FileSystemWatcher(_directory)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size
                | NotifyFilters.CreationTime | NotifyFilters.Attributes | NotifyFilters.Security,
            IncludeSubdirectories = false,
        };
        void Poke(object? sender, EventArgs e) => _wake.Writer.TryWrite(true);
        watcher.Changed += Poke;
        watcher.Created += Poke;
        watcher.Deleted += Poke;
        watcher.Renamed += Poke;
        watcher.Error += (_, e) =>
        {
            LogWatchError(_logger, _directory, e.GetException().Message);
            _wake.Writer.TryWrite(true);
            // Re-created on the next wait: an inotify overflow can leave a watcher deaf.
            if (Interlocked.CompareExchange(ref _watcher, null, watcher) == watcher)
            {
                watcher.Dispose();
            }
        };
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching {Directory} failed ({Error}); watching it afresh, and re-reading meanwhile")]
    private static partial void LogWatchError(ILogger logger, string directory, string error);
}
