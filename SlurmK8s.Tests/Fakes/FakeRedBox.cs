using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using SlurmK8s.Companion;
using SlurmK8s.RedBox;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxContract;
using SlurmK8s.RedBoxClient;

namespace SlurmK8s.Tests.Fakes;

/// <summary>
/// A stateful red-box as the companion sees it: keyed submissions, jobs (and array tasks) the test moves through
/// states, files on the "submit host" the test writes, and watch/tail streams that follow both.
/// Faults: <see cref="OnSubmit"/>, <see cref="FailWatches"/>, <see cref="FailTails"/>, <see cref="GoDown"/>.
/// </summary>
internal sealed partial class FakeRedBox : IRedBox
{
    public const string WorkDir = "/submit/jobs";
    public const string Cluster = "fake";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _byKey = [];
    private readonly Dictionary<long, Proto.Job> _jobs = [];
    private readonly Dictionary<string, byte[]> _files = [];
    private readonly List<(long JobId, Channel<Proto.Job> Changes)> _watchers = [];
    private long _nextId = 500;
    private SlurmException? _down;

    /// <summary>How many Slurm jobs submissions created (a keyed retry creates none).</summary>
    public int Submissions { get; private set; }

    public List<long> CancelCalls { get; } = [];

    /// <summary>Throw from here to refuse a submission (e.g. Slurm's InvalidArgument).</summary>
    public Func<string, Exception?>? OnSubmit { get; set; }

    /// <summary>The next N watches end with Unavailable right after their first state.</summary>
    public int FailWatches { get; set; }

    /// <summary>The next N tails end with Unavailable right after their first chunk.</summary>
    public int FailTails { get; set; }

    /// <summary>
    /// From now on every call fails with <paramref name="failure"/> and open watches end with it: red-box gone
    /// (an Unavailable without SlurmUnreachableAt), or Slurm gone behind it (with it). Until <see cref="ComeBack"/>.
    /// </summary>
    public void GoDown(SlurmException failure)
    {
        lock (_gate)
        {
            _down = failure;
            foreach (var watcher in _watchers)
            {
                watcher.Changes.Writer.TryComplete(failure);
            }
        }
    }

    public void ComeBack()
    {
        lock (_gate)
        {
            _down = null;
        }
    }

    /// <summary>How many calls were refused while down.</summary>
    public int RefusedWhileDown { get; private set; }

    private void ThrowIfDown()
    {
        lock (_gate)
        {
            if (_down is { } down)
            {
                RefusedWhileDown++;
                throw new SlurmException(down.Kind, down.Message) { SlurmUnreachableAt = down.SlurmUnreachableAt };
            }
        }
    }

    [GeneratedRegex(@"#SBATCH\s+--array=(\d+)-(\d+)")]
    private static partial Regex ArrayDirective();

    public Task<SubmitOutcome> SubmitAsync(string script, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (OnSubmit?.Invoke(script) is { } refusal)
        {
            throw refusal;
        }
        ThrowIfDown();
        lock (_gate)
        {
            if (_byKey.TryGetValue(idempotencyKey, out var known))
            {
                return Task.FromResult(new SubmitOutcome(known, true, Job(known).WorkDir, Cluster));
            }
            var id = _nextId++;
            var job = new Proto.Job
            {
                JobId = id, State = Proto.JobState.Pending, SlurmState = "PENDING", Reason = "Priority", WorkDir = WorkDir, Cluster = Cluster,
                StdOut = $"{WorkDir}/slurm-{id}.out", Comment = SlurmK8s.RedBox.Scoping.CallScope.CommentPrefix + idempotencyKey,
                SubmitTime = Timestamp.FromDateTime(new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc)),
            };
            if (ArrayDirective().Match(script) is { Success: true } array)
            {
                job.StdOut = "";
                for (var task = long.Parse(array.Groups[1].Value); task <= long.Parse(array.Groups[2].Value); task++)
                {
                    job.ArrayTasks.Add(new Proto.ArrayTask { TaskId = task, State = Proto.JobState.Pending, SlurmState = "PENDING" });
                }
            }
            _byKey[idempotencyKey] = id;
            _jobs[id] = job;
            Submissions++;
            return Task.FromResult(new SubmitOutcome(id, false, job.WorkDir, Cluster));
        }
    }

    public Proto.Job Job(long jobId)
    {
        lock (_gate)
        {
            return _jobs[jobId].Clone();
        }
    }

    public long? JobFor(string key)
    {
        lock (_gate)
        {
            return _byKey.TryGetValue(key, out var id) ? id : null;
        }
    }

    /// <summary>Changes a job and tells its watchers (even when nothing changed: red-box may repeat itself).</summary>
    public void Update(long jobId, Action<Proto.Job> change)
    {
        lock (_gate)
        {
            var job = _jobs[jobId].Clone();
            change(job);
            if (job.ArrayTasks.Count > 0)
            {
                Aggregate(job);
            }
            _jobs[jobId] = job;
            foreach (var watcher in _watchers.Where(w => w.JobId == jobId))
            {
                watcher.Changes.Writer.TryWrite(job.Clone());
            }
        }
    }

    public void Run(long jobId, string node = "n1") => Update(jobId, j =>
    {
        j.State = Proto.JobState.Running;
        j.SlurmState = "RUNNING";
        j.Reason = "";
        j.NodeList = node;
        j.StartTime = Timestamp.FromDateTime(new DateTime(2026, 11, 24, 12, 0, 5, DateTimeKind.Utc));
    });

    public void Finish(long jobId, Proto.JobState state, int exitCode = 0, string reason = "") => Update(jobId, j =>
    {
        j.State = state;
        j.SlurmState = state.ToString().ToUpperInvariant();
        j.Reason = reason;
        j.ExitCode = exitCode;
        j.Finished = true;
        j.EndTime = Timestamp.FromDateTime(new DateTime(2026, 11, 24, 12, 1, 0, DateTimeKind.Utc));
    });

    /// <summary>An array task starts (gets its own job id and output file) or ends.</summary>
    public void SetTask(long arrayId, long taskId, Proto.JobState state, int exitCode = 0) => Update(arrayId, j =>
    {
        var task = j.ArrayTasks.Single(t => t.TaskId == taskId);
        if (task.JobId == 0)
        {
            task.JobId = arrayId * 100 + taskId;
            task.StdOut = $"{WorkDir}/slurm-{arrayId}_{taskId}.out";
        }
        task.State = state;
        task.SlurmState = state.ToString().ToUpperInvariant();
        task.ExitCode = exitCode;
        task.Reason = state == Proto.JobState.Failed ? "NonZeroExitCode" : "";
    });

    /// <summary>Appends to a file on the submit host (a job writing its output).</summary>
    public void Append(string path, string text)
    {
        lock (_gate)
        {
            _files[path] = [.. _files.GetValueOrDefault(path) ?? [], .. Encoding.UTF8.GetBytes(text)];
        }
    }

    /// <summary>As red-box does: the key is looked up (this fake has one scope), and an unknown key is NOT_FOUND.</summary>
    public Task<long> CancelAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        long jobId;
        lock (_gate)
        {
            if (!_byKey.TryGetValue(idempotencyKey, out jobId))
            {
                throw new SlurmException(SlurmErrorKind.NotFound, $"no job was submitted with idempotency key {idempotencyKey}");
            }
            CancelCalls.Add(jobId);
        }
        if (!Job(jobId).Finished)
        {
            Finish(jobId, Proto.JobState.Cancelled, 0);
        }
        return Task.FromResult(jobId);
    }

    public async IAsyncEnumerable<Proto.Job> WatchAsync(long jobId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfDown();
        var changes = Channel.CreateUnbounded<Proto.Job>();
        Proto.Job current;
        bool fail;
        lock (_gate)
        {
            current = _jobs[jobId].Clone();
            _watchers.Add((jobId, changes));
            fail = FailWatches > 0;
            FailWatches = Math.Max(0, FailWatches - 1);
        }
        try
        {
            yield return current;
            if (fail)
            {
                throw new SlurmException(SlurmErrorKind.Unavailable, "red-box went away (fake)");
            }
            while (!current.Finished)
            {
                try
                {
                    current = await changes.Reader.ReadAsync(cancellationToken);
                }
                catch (ChannelClosedException e) when (e.InnerException is SlurmException down)
                {
                    throw new SlurmException(down.Kind, down.Message) { SlurmUnreachableAt = down.SlurmUnreachableAt };
                }
                yield return current;
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.RemoveAll(w => w.Changes == changes);
            }
        }
    }

    public async IAsyncEnumerable<FileChunk> TailAsync(string path, long jobId, long offset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfDown();
        if (path.Length == 0)
        {
            path = Job(jobId).StdOut;
        }
        bool fail;
        lock (_gate)
        {
            fail = FailTails > 0;
            FailTails = Math.Max(0, FailTails - 1);
        }
        while (true)
        {
            ThrowIfDown();
            // The state before the data: once finished, what is read next is all there is.
            var finished = IsFinished(jobId);
            byte[]? content;
            lock (_gate)
            {
                content = _files.GetValueOrDefault(path);
            }
            if (content is not null && content.Length > offset)
            {
                yield return new FileChunk(content.AsMemory((int)offset), offset);
                offset = content.Length;
                if (fail)
                {
                    throw new SlurmException(SlurmErrorKind.Unavailable, "red-box went away (fake)");
                }
            }
            if (finished)
            {
                if (content is null)
                {
                    throw new SlurmException(SlurmErrorKind.NotFound, $"job {jobId} has finished and its output file {path} does not exist");
                }
                yield break;
            }
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Called as a file is opened, before anything else (e.g. to take red-box down just then).</summary>
    public Action<string>? OnRead { get; set; }

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        OnRead?.Invoke(path);
        ThrowIfDown();
        byte[]? content;
        lock (_gate)
        {
            content = _files.GetValueOrDefault(path);
        }
        await Task.Yield();
        if (content is null)
        {
            throw new SlurmException(SlurmErrorKind.NotFound, $"no such file: {path}");
        }
        yield return content;
    }

    public Task<FileListing> ListAsync(string pattern, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        var glob = GlobPattern.Parse(pattern, WorkDir);
        lock (_gate)
        {
            var matches = _files.Keys.Where(f => f.StartsWith(glob.BaseDirectory + "/", StringComparison.Ordinal)
                    && glob.IsMatch(Path.GetRelativePath(glob.BaseDirectory, f)))
                .Order(StringComparer.Ordinal).ToList();
            return Task.FromResult(new FileListing(matches, false));
        }
    }

    private bool IsFinished(long jobId)
    {
        lock (_gate)
        {
            if (_jobs.TryGetValue(jobId, out var job))
            {
                return job.Finished;
            }
            var task = _jobs.Values.SelectMany(j => j.ArrayTasks).Single(t => t.JobId == jobId);
            return task.State is not (Proto.JobState.Pending or Proto.JobState.Running);
        }
    }

    // As red-box aggregates an array: unfinished while any task is; COMPLETED only when every task COMPLETED.
    private static void Aggregate(Proto.Job job)
    {
        var unfinished = job.ArrayTasks.Where(t => t.State is Proto.JobState.Pending or Proto.JobState.Running).ToList();
        var firstBad = job.ArrayTasks.FirstOrDefault(t => t.State != Proto.JobState.Completed);
        var deciding = unfinished.FirstOrDefault(t => t.State == Proto.JobState.Running) ?? unfinished.FirstOrDefault() ?? firstBad ?? job.ArrayTasks[^1];
        job.State = deciding.State;
        job.SlurmState = deciding.SlurmState;
        job.Reason = deciding.Reason;
        job.ExitCode = firstBad?.ExitCode ?? 0;
        job.Finished = unfinished.Count == 0;
    }
}
