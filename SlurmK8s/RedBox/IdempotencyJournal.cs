using System.Globalization;
using System.Text;

namespace SlurmK8s.RedBox;

/// <summary>
/// The submit host's durable record of idempotency key → Slurm job id. Each entry is appended and fsync'd before
/// red-box replies, so a crash after the reply never loses it. A torn last line (crash mid-write) is ignored.
/// Entries older than the retention are dropped when the journal is opened.
/// </summary>
internal sealed class IdempotencyJournal : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _jobs = new(StringComparer.Ordinal);
    private readonly FileStream _file;
    private readonly TimeProvider _time;

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
                    _jobs.TryAdd(key, jobId);
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

    /// <summary>Durably records the key (fsync) unless it is already there.</summary>
    public void Record(string key, long jobId)
    {
        lock (_gate)
        {
            if (_jobs.ContainsKey(key))
            {
                return;
            }
            var seconds = _time.GetUtcNow().ToUnixTimeSeconds();
            _file.Write(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{key}\t{jobId}\t{seconds}\n")));
            _file.Flush(flushToDisk: true);
            _jobs[key] = jobId;
        }
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
