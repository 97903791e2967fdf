using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace SlurmK8s.ResourceDaemon;

/// <summary>
/// Follows the slurm-config file and yields its content (null while it is missing) at start and on every change.
/// <para>
/// A mounted ConfigMap is never written in place: the kubelet writes a new `..2026_…` directory, points a
/// `..data_tmp` symlink at it and renames that over `..data`, while `slurm` stays a symlink to `..data/slurm`.
/// So the watch is on the DIRECTORY (the rename of `..data` is an event there; the new file's own writes happen in a
/// directory nobody watches), and each event only prompts a re-read whose content decides whether anything changed.
/// A periodic re-read is the safety net for events inotify can drop (queue overflow, watch limits, the directory
/// itself replaced or created late).
/// </para>
/// <para>
/// This reacts within a second of the FILE changing. How long the kubelet takes to change the file after the
/// ConfigMap changed is outside its control: up to the kubelet's sync period plus its ConfigMap cache TTL
/// (about a minute with the defaults; the kubelet's --sync-frequency and configMapAndSecretChangeDetectionStrategy govern it).
/// </para>
/// </summary>
/// <param name="debounce">How long events settle before the re-read, so an editor's truncate-then-write is one change.</param>
/// <param name="pollInterval">How often the file is re-read without an event.</param>
internal sealed partial class NodeConfigWatcher(string filePath, TimeSpan debounce, TimeSpan pollInterval, ILogger<NodeConfigWatcher> logger)
{
    public const string FileName = "slurm";

    private string? _lastReadError;

    public string FilePath { get; } = filePath;

    public async IAsyncEnumerable<string?> ReadChangesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(FilePath))!;
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = Watch(directory, wake.Writer);
            var last = Read();
            yield return last;
            while (true)
            {
                await WaitForEventOrPollAsync(wake.Reader, cancellationToken).ConfigureAwait(false);
                // A directory created after start, or a watcher that reported an error, is watched afresh.
                watcher ??= Watch(directory, wake.Writer);
                var now = Read();
                if (!string.Equals(now, last, StringComparison.Ordinal))
                {
                    last = now;
                    yield return now;
                }
            }
        }
        finally
        {
            watcher?.Dispose();
        }

        FileSystemWatcher? Watch(string path, ChannelWriter<bool> writer)
        {
            if (!Directory.Exists(path))
            {
                return null;
            }
            var fsw = new FileSystemWatcher(path)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size
                    | NotifyFilters.CreationTime | NotifyFilters.Attributes,
                IncludeSubdirectories = false,
            };
            void Poke(object? sender, EventArgs e) => writer.TryWrite(true);
            fsw.Changed += Poke;
            fsw.Created += Poke;
            fsw.Deleted += Poke;
            fsw.Renamed += Poke;
            fsw.Error += (_, e) =>
            {
                LogWatchError(logger, path, e.GetException().Message);
                writer.TryWrite(true);
                // Re-created on the next pass: an inotify overflow can leave a watcher deaf.
                Interlocked.Exchange(ref watcher, null)?.Dispose();
            };
            fsw.EnableRaisingEvents = true;
            return fsw;
        }
    }

    private async Task WaitForEventOrPollAsync(ChannelReader<bool> wake, CancellationToken cancellationToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        poll.CancelAfter(pollInterval);
        try
        {
            await wake.ReadAsync(poll.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return; // the periodic re-read
        }
        // Let a burst of events (the kubelet's several renames, an editor's truncate + write) settle into one read.
        await Task.Delay(debounce, cancellationToken).ConfigureAwait(false);
        wake.TryRead(out _);
    }

    private string? Read()
    {
        try
        {
            var content = File.ReadAllText(FilePath);
            _lastReadError = null;
            return content;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Once per distinct error, not on every re-read.
            if (!string.Equals(e.Message, _lastReadError, StringComparison.Ordinal))
            {
                _lastReadError = e.Message;
                LogUnreadable(logger, FilePath, e.Message);
            }
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching {Directory} failed ({Error}); watching it afresh, and re-reading the file meanwhile")]
    private static partial void LogWatchError(ILogger logger, string directory, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} cannot be read: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string path, string error);
}
