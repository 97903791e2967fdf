using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using SlurmK8s.Os;

namespace SlurmK8s.Resourced;

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
        using var wakeups = new DirectoryWakeups(Path.GetDirectoryName(Path.GetFullPath(FilePath))!, debounce, pollInterval, logger);
        var last = Read();
        yield return last;
        while (true)
        {
            await wakeups.WaitAsync(cancellationToken).ConfigureAwait(false);
            var now = Read();
            if (!string.Equals(now, last, StringComparison.Ordinal))
            {
                last = now;
                yield return now;
            }
        }
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


    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} cannot be read: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string path, string error);
}
