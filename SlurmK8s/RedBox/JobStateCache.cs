using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox;

/// <summary>
/// One shared view of job states. Every job that anyone asked about or watches is refreshed by ONE squeue call per
/// poll interval; jobs that have left squeue (after MinJobAge) are looked up with ONE sacct call. Finished jobs are
/// final and no longer polled. A request for a job not yet known wakes the poller at once and waits for that poll.
/// While Slurm does not answer (a poll failed as unavailable), watches are not left silent: each ends with that failure,
/// and a new watch starts only from a poll that succeeded, so a watcher never takes a stale state for a live one.
/// While some unfinished job changed state within <see cref="JobStateCacheOptions.QuickPollWindow"/> (it was just
/// submitted, or just started), polls come every <see cref="JobStateCacheOptions.QuickPollInterval"/> instead: a new job
/// starts at slurmctld's next scheduling pass, and a short one ends soon after it starts.
/// </summary>
internal sealed partial class JobStateCache(ISlurmClient slurm, JobStateCacheOptions options, ILogger<JobStateCache> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, Entry> _entries = [];
    private readonly List<Watcher> _watchers = [];
    private readonly SemaphoreSlim _wake = new(0, 1);
    private TaskCompletionSource _nextPoll = NewPoll();
    // Why the last poll failed as unavailable; null once a poll succeeded.
    private SlurmException? _unavailable;

    /// <summary>The current snapshot of each id, in order. Ids never seen before cost one (shared) poll.</summary>
    public async Task<IReadOnlyList<JobSnapshot>> GetAsync(IReadOnlyList<long> jobIds, CancellationToken cancellationToken)
    {
        Task? pending = null;
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var id in jobIds)
            {
                var entry = EntryFor(id);
                entry.LastWanted = now;
                if (entry.Snapshot is null)
                {
                    pending = _nextPoll.Task;
                }
            }
        }
        if (pending is not null)
        {
            Wake();
            await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        lock (_gate)
        {
            return jobIds.Select(id => _entries.TryGetValue(id, out var e) && e.Snapshot is not null
                ? e.Snapshot
                : JobSnapshot.Unknown(id, "not yet polled")).ToList();
        }
    }

    /// <summary>The state of each job now, then every change; ends once every job has finished.</summary>
    public async IAsyncEnumerable<JobSnapshot> WatchAsync(IReadOnlyList<long> jobIds, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watcher = new Watcher(jobIds.ToHashSet());
        Task? freshPoll = null;
        lock (_gate)
        {
            _watchers.Add(watcher);
            foreach (var id in watcher.JobIds)
            {
                EntryFor(id).Watchers++;
            }
            if (_unavailable is not null)
            {
                freshPoll = _nextPoll.Task;
            }
        }
        try
        {
            if (freshPoll is not null)
            {
                // Slurm did not answer the last poll: what is cached may be stale. Start from the next poll, or its failure.
                await freshPoll.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            // Subscribed before reading, so no change falls between the two; duplicates are dropped by ChangeKey.
            var lastSeen = new Dictionary<long, string>();
            var remaining = new HashSet<long>(watcher.JobIds);
            foreach (var snapshot in await GetAsync(jobIds, cancellationToken).ConfigureAwait(false))
            {
                lastSeen[snapshot.JobId] = snapshot.ChangeKey;
                yield return snapshot;
                if (snapshot.IsFinished)
                {
                    remaining.Remove(snapshot.JobId);
                }
            }
            while (remaining.Count > 0)
            {
                JobSnapshot snapshot;
                try
                {
                    snapshot = await watcher.Changes.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (ChannelClosedException e) when (e.InnerException is SlurmException unavailable)
                {
                    throw new SlurmException(unavailable.Kind, unavailable.Message);
                }
                if (!remaining.Contains(snapshot.JobId) || lastSeen.GetValueOrDefault(snapshot.JobId) == snapshot.ChangeKey)
                {
                    continue;
                }
                lastSeen[snapshot.JobId] = snapshot.ChangeKey;
                yield return snapshot;
                if (snapshot.IsFinished)
                {
                    remaining.Remove(snapshot.JobId);
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
                foreach (var id in jobIds.Distinct())
                {
                    if (_entries.TryGetValue(id, out var entry))
                    {
                        entry.Watchers--;
                    }
                }
            }
        }
    }

    /// <summary>Forgets what is known of a job (e.g. after scancel) so the next question waits for a fresh poll.</summary>
    /// <summary>Why a job is unknown: what a job Slurm does not know and another tenant's job are both answered with.</summary>
    public static string UnknownReason(bool accounting) =>
        accounting ? "unknown to squeue and to accounting" : "not in squeue, and accounting is disabled on this cluster";

    public void Invalidate(long jobId)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(jobId, out var entry))
            {
                entry.IsFinal = false;
                entry.Snapshot = null;
            }
        }
        Wake();
    }

    /// <summary>Runs one poll now (tests and benchmarks drive it directly; the service runs it on the interval).</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        List<long> ids;
        TaskCompletionSource done;
        lock (_gate)
        {
            Evict(DateTimeOffset.UtcNow);
            ids = _entries.Values.Where(e => !e.IsFinal).Select(e => e.JobId).ToList();
            done = _nextPoll;
            _nextPoll = NewPoll();
        }
        try
        {
            if (ids.Count > 0)
            {
                await RefreshAsync(ids, cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    _unavailable = null;
                }
            }
            done.TrySetResult();
        }
        catch (SlurmException e) when (e.Kind == SlurmErrorKind.Unavailable)
        {
            lock (_gate)
            {
                _unavailable = e;
                // A watch that waits in silence would look like a job that does not change: end each with Slurm's words.
                foreach (var watcher in _watchers)
                {
                    watcher.Changes.Writer.TryComplete(e);
                }
            }
            done.TrySetException(e);
            throw;
        }
        catch (OperationCanceledException)
        {
            done.TrySetCanceled(cancellationToken);
            throw;
        }
        catch (Exception e)
        {
            // Waiters get the failure (e.g. Unavailable); the next poll tries again.
            done.TrySetException(e);
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (SlurmException e)
            {
                LogPollFailed(e.Kind, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Never let one bad poll end the poller (and with it red-box): log it and poll again.
                LogPollCrashed(e);
            }
            try
            {
                // Sleep a poll interval, unless a question about a new job wakes us first.
                await _wake.WaitAsync(NextInterval(DateTimeOffset.UtcNow), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        lock (_gate)
        {
            _nextPoll.TrySetCanceled(stoppingToken);
        }
    }

    /// <summary>The quick interval while an unfinished job changed state lately, else the poll interval.</summary>
    internal TimeSpan NextInterval(DateTimeOffset now)
    {
        if (options.QuickPollInterval <= TimeSpan.Zero || options.QuickPollInterval >= options.PollInterval)
        {
            return options.PollInterval;
        }
        lock (_gate)
        {
            return _entries.Values.Any(e => !e.IsFinal && now - e.ChangedAt < options.QuickPollWindow) ? options.QuickPollInterval : options.PollInterval;
        }
    }

    private async Task RefreshAsync(List<long> ids, CancellationToken cancellationToken)
    {
        var rows = await slurm.QueueAsync(ids, cancellationToken).ConfigureAwait(false);
        var snapshots = JobSnapshot.ComposeAll(ids, rows);

        // Jobs squeue no longer knows, and arrays that look finished (some tasks may already have aged out of squeue).
        var askAccounting = snapshots.Where(s => s.Value is null || s.Value is { IsFinished: true, Tasks.Count: > 0 }).Select(s => s.Key).ToList();
        var fromAccounting = new HashSet<long>();
        var accounting = askAccounting.Count > 0 && await options.AccountingEnabledAsync(cancellationToken).ConfigureAwait(false);
        if (accounting)
        {
            var accounted = await slurm.AccountingAsync(askAccounting, cancellationToken).ConfigureAwait(false);
            // squeue's rows win where both have one: they are fresher.
            var inQueue = rows.Select(r => r.JobId).ToHashSet();
            var merged = rows.Concat(accounted.Where(a => !inQueue.Contains(a.JobId)));
            foreach (var (id, snapshot) in JobSnapshot.ComposeAll(askAccounting, merged))
            {
                if (snapshot is not null)
                {
                    snapshots[id] = snapshot;
                    fromAccounting.Add(id);
                }
            }
        }

        var changed = new List<JobSnapshot>();
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            foreach (var (id, composed) in snapshots)
            {
                if (!_entries.TryGetValue(id, out var entry))
                {
                    continue;
                }
                var snapshot = composed ?? JobSnapshot.Unknown(id, UnknownReason(accounting));
                if (fromAccounting.Contains(id))
                {
                    snapshot = snapshot.KeepingOutputPathsOf(entry.Snapshot);
                }
                if (entry.Snapshot?.Job.State != snapshot.Job.State)
                {
                    entry.ChangedAt = now;
                }
                if (entry.Snapshot?.ChangeKey != snapshot.ChangeKey)
                {
                    changed.Add(snapshot);
                }
                entry.Snapshot = snapshot;
                entry.IsFinal = snapshot.Job.State.IsFinished();
            }
            foreach (var watcher in _watchers)
            {
                foreach (var snapshot in changed.Where(s => watcher.JobIds.Contains(s.JobId)))
                {
                    watcher.Changes.Writer.TryWrite(snapshot);
                }
            }
        }
    }

    private Entry EntryFor(long id)
    {
        if (!_entries.TryGetValue(id, out var entry))
        {
            entry = new Entry(id) { LastWanted = DateTimeOffset.UtcNow };
            _entries[id] = entry;
        }
        return entry;
    }

    // Jobs nobody asked about for a while and nobody watches stop costing anything.
    private void Evict(DateTimeOffset now)
    {
        foreach (var entry in _entries.Values.Where(e => e.Watchers <= 0 && now - e.LastWanted > options.ForgetAfter).ToList())
        {
            _entries.Remove(entry.JobId);
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    private static TaskCompletionSource NewPoll() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job state poll failed ({Kind}): {Error}")]
    private partial void LogPollFailed(SlurmErrorKind kind, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job state poll failed unexpectedly")]
    private partial void LogPollCrashed(Exception error);

    private sealed class Entry(long jobId)
    {
        public long JobId { get; } = jobId;
        public JobSnapshot? Snapshot { get; set; }
        public bool IsFinal { get; set; }
        public DateTimeOffset LastWanted { get; set; }
        /// <summary>When a poll first saw it, or saw its state change.</summary>
        public DateTimeOffset ChangedAt { get; set; }
        public int Watchers { get; set; }
    }

    private sealed class Watcher(HashSet<long> jobIds)
    {
        /// <summary>Never changed after creation: the poller reads it under the lock.</summary>
        public HashSet<long> JobIds { get; } = jobIds;
        public Channel<JobSnapshot> Changes { get; } = Channel.CreateUnbounded<JobSnapshot>();
    }
}

/// <param name="AccountingEnabledAsync">Whether sacct answers; without it, jobs that left squeue stay Unknown.</param>
internal sealed record JobStateCacheOptions(TimeSpan PollInterval, TimeSpan ForgetAfter, Func<CancellationToken, Task<bool>> AccountingEnabledAsync)
{
    /// <summary>How often to poll while a job changed state lately; zero (or not less than the poll interval): never quicker.</summary>
    public TimeSpan QuickPollInterval { get; init; }

    /// <summary>
    /// How long after a job's last change the quick polls go on: Slurm's default batch_sched_delay, the longest a job
    /// just submitted waits for slurmctld's next scheduling pass.
    /// </summary>
    public TimeSpan QuickPollWindow { get; init; } = TimeSpan.FromSeconds(3);
}
