using System.Globalization;
using System.Text;

namespace SlurmK8s.RedBox;

/// <summary>
/// The submit host's durable record of idempotency key → Slurm job id. Each entry is appended and fsync'd before
/// red-box replies (concurrent entries share one fsync), so a crash after the reply never loses it. A torn last line (crash mid-write) is ignored.
/// Entries older than the retention are dropped when the journal is opened.
/// </summary>
internal sealed class IdempotencyJournal : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _jobs = new(StringComparer.Ordinal);
    private readonly FileStream _file;
    private readonly TimeProvider _time;
    private Batch _open = new();
    private bool _flushing;
    private long _flushes;

    public IdempotencyJournal(string path, TimeSpan retention, TimeProvider? time = null)
    {
        Path = path;
        _time = time ?? TimeProvider.System;
        var now = _time.GetUtcNow();
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var kept = new List<string>();
        var dropped = 0;
        if (File.Exists(path))
        {
            foreach (var line in File.ReadAllText(path).Split('\n'))
            {
                if (TryParse(line, out var key, out var jobId, out var written))
                {
                    if (now - written > retention)
                    {
                        dropped++;
                        continue;
                    }
                    _jobs[key] = jobId;   // the last line wins: a key's job Slurm lost is replaced (ReplaceAsync)
                    kept.Add(line);
                }
            }
        }
        if (dropped > 0)
        {
            // Rewrite without the expired entries, atomically.
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, string.Concat(kept.Select(l => l + "\n")));
            File.Move(temporary, path, overwrite: true);
        }
        _file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 0,   // each batch is already one array: one write(2), and nothing left behind if it fails
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }

    public string Path { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _jobs.Count;
            }
        }
    }

    public bool TryGet(string key, out long jobId)
    {
        lock (_gate)
        {
            return _jobs.TryGetValue(key, out jobId);
        }
    }

    /// <summary>Fsyncs so far; concurrent records share one (group commit).</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>
    /// Records the key unless it is already there; the task ends once the entry is on disk (fsync). The entry is
    /// answered from memory at once: the caller still holds the key's lock, and if the write fails the mapping is
    /// nonetheless true (the job exists), so a retry gets the same job.
    /// Group commit: the first recorder writes and fsyncs on its own thread (no hop when alone); entries that arrive
    /// meanwhile form the next batch, flushed together on a pool thread, so eight concurrent submits pay for about two
    /// fsyncs, not eight in a queue.
    /// </summary>
    public Task RecordAsync(string key, long jobId) => RecordAsync([KeyValuePair.Create(key, jobId)]);

    /// <summary>Records every entry not already there, with one fsync.</summary>
    public Task RecordAsync(IEnumerable<KeyValuePair<string, long>> entries) => AppendAsync(entries, replace: false);

    /// <summary>Records the key's new job in place of the one Slurm lost (the journal's last line for a key wins).</summary>
    public Task ReplaceAsync(string key, long jobId) => AppendAsync([KeyValuePair.Create(key, jobId)], replace: true);

    private Task AppendAsync(IEnumerable<KeyValuePair<string, long>> entries, bool replace)
    {
        Batch batch;
        bool lead;
        lock (_gate)
        {
            var seconds = _time.GetUtcNow().ToUnixTimeSeconds();
            batch = _open;
            var added = false;
            foreach (var (key, jobId) in entries)
            {
                if (!_jobs.TryGetValue(key, out var had) || (replace && had != jobId))
                {
                    _jobs[key] = jobId;
                    batch.Lines.Append(CultureInfo.InvariantCulture, $"{key}\t{jobId}\t{seconds}\n");
                    added = true;
                }
            }
            if (!added)
            {
                return Task.CompletedTask;
            }
            lead = !_flushing;
            _flushing = true;
        }
        if (lead)
        {
            FlushOpenBatch();
        }
        return batch.Durable.Task;
    }

    private void FlushOpenBatch()
    {
        Batch batch;
        lock (_gate)
        {
            batch = _open;
            _open = new Batch();
        }
        try
        {
            _file.Write(Encoding.UTF8.GetBytes(batch.Lines.ToString()));
            _file.Flush(flushToDisk: true);
            Interlocked.Increment(ref _flushes);
            batch.Durable.TrySetResult();
        }
        catch (Exception e)
        {
            // Whatever the failure, every waiter hears of it and the next batch still gets a flusher.
            batch.Durable.TrySetException(e);
        }
        bool more;
        lock (_gate)
        {
            more = _open.Lines.Length > 0;
            _flushing = more;
        }
        if (more)
        {
            // The followers' batch goes to a pool thread, so this recorder replies now.
            ThreadPool.UnsafeQueueUserWorkItem(static journal => journal.FlushOpenBatch(), this, preferLocal: false);
        }
    }

    /// <summary>Entries waiting for one write and one fsync.</summary>
    private sealed class Batch
    {
        public StringBuilder Lines { get; } = new();

        // Asynchronous continuations: the flushing thread goes on to the next batch instead of running its waiters' replies.
        public TaskCompletionSource Durable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Dispose() => _file.Dispose();

    private static bool TryParse(string line, out string key, out long jobId, out DateTimeOffset written)
    {
        var fields = line.Split('\t');
        key = fields[0];
        jobId = 0;
        written = default;
        if (fields.Length != 3 || key.Length == 0
            || !long.TryParse(fields[1], CultureInfo.InvariantCulture, out jobId)
            || !long.TryParse(fields[2], CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }
        written = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }
}
