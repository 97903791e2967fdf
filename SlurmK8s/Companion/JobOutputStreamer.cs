using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxClient;

namespace SlurmK8s.Companion;

/// <summary>
/// Copies the job's output to the companion's stdout as Slurm writes it, so `kubectl logs &lt;name&gt;-job` shows it live.
/// A plain job's output is passed through byte for byte. An array's tasks run side by side, so their outputs are
/// interleaved line by line, each line prefixed with "[task N] ", from the moment each task starts. A dropped stream
/// resumes at the byte it stopped at; a restarted companion prints the output again from the start.
/// </summary>
internal sealed partial class JobOutputStreamer(IRedBox redBox, Stream output, CompanionOptions options, ILogger<JobOutputStreamer> logger)
    : IAsyncDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Dictionary<long, Task> _tails = [];
    private readonly CancellationTokenSource _stop = new();
    private bool? _isArray;

    /// <summary>Starts following whatever output <paramref name="job"/>'s latest state makes available. Called for every state seen.</summary>
    public void Observe(Proto.Job job, CancellationToken cancellationToken)
    {
        _isArray ??= job.ArrayTasks.Count > 0;
        if (_isArray == false)
        {
            // Empty path: red-box follows the job's own StdOut (an #SBATCH --output included).
            Start(-1, "", job.JobId, prefix: null, cancellationToken);
            return;
        }
        // Red-box fills a task's output path once the task has started.
        foreach (var task in job.ArrayTasks.Where(t => t.JobId != 0 && t.StdOut.Length > 0))
        {
            Start(task.TaskId, task.StdOut, task.JobId, string.Create(CultureInfo.InvariantCulture, $"[task {task.TaskId}] "), cancellationToken);
        }
    }

    /// <summary>Waits for every followed output to drain (they end by themselves once the job has finished), at most <paramref name="timeout"/>.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        var all = Task.WhenAll(_tails.Values);
        if (await Task.WhenAny(all, Task.Delay(timeout)).ConfigureAwait(false) != all)
        {
            LogDrainTimedOut(timeout.TotalSeconds);
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        await all.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_tails.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        _writeGate.Dispose();
    }

    private void Start(long key, string path, long jobId, string? prefix, CancellationToken cancellationToken)
    {
        if (_tails.ContainsKey(key))
        {
            return;
        }
        var token = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        _tails[key] = Task.Run(async () =>
        {
            using (token)
            {
                await FollowAsync(path, jobId, prefix, token.Token).ConfigureAwait(false);
            }
        }, CancellationToken.None);
    }

    private async Task FollowAsync(string path, long jobId, string? prefix, CancellationToken cancellationToken)
    {
        var backoff = Backoff.ForRedBox(options);
        var failing = false;
        var offset = 0L;
        var pending = new List<byte>();
        try
        {
            while (true)
            {
                try
                {
                    await foreach (var chunk in redBox.TailAsync(path, jobId, offset, cancellationToken).ConfigureAwait(false))
                    {
                        await WriteAsync(chunk.Content, prefix, pending, cancellationToken).ConfigureAwait(false);
                        offset = chunk.Offset + chunk.Content.Length;
                        backoff.Reset();
                        failing = false;
                    }
                    break;
                }
                catch (SlurmException e) when (e.Kind == SlurmErrorKind.Unavailable)
                {
                    // Once per outage: the stream is tried again every second or two.
                    if (!failing)
                    {
                        LogTailUnavailable(jobId, e.Message);
                        failing = true;
                    }
                    await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (SlurmException e)
        {
            // No output is no reason to fail the job: say why in the log and carry on.
            LogTailFailed(jobId, e.Kind, e.Message);
        }
        catch (OperationCanceledException)
        {
            // Stopping: what was printed stays printed.
        }
        if (pending.Count > 0)
        {
            await WriteLineAsync(prefix, [.. pending], CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> content, string? prefix, List<byte> pending, CancellationToken cancellationToken)
    {
        if (prefix is null)
        {
            await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await output.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _writeGate.Release();
            }
            return;
        }
        // Whole lines only, so tasks' lines never mix; a partial line waits for its end.
        var start = 0;
        int newline;
        while ((newline = content.Span[start..].IndexOf((byte)'\n')) >= 0)
        {
            pending.AddRange(content.Span.Slice(start, newline));
            await WriteLineAsync(prefix, [.. pending], cancellationToken).ConfigureAwait(false);
            pending.Clear();
            start += newline + 1;
        }
        pending.AddRange(content.Span[start..]);
    }

    private async Task WriteLineAsync(string? prefix, byte[] line, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (prefix is not null)
            {
                await output.WriteAsync(Encoding.UTF8.GetBytes(prefix), cancellationToken).ConfigureAwait(false);
            }
            await output.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(NewLine, cancellationToken).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "red-box unavailable while following the output of Slurm job {JobId}, resuming: {Error}")]
    private partial void LogTailUnavailable(long jobId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The output of Slurm job {JobId} cannot be followed ({Kind}): {Error}")]
    private partial void LogTailFailed(long jobId, SlurmErrorKind kind, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The job's output did not finish draining within {Seconds} s after the job ended; stopped following it")]
    private partial void LogDrainTimedOut(double seconds);
}
