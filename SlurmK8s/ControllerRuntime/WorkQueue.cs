using Microsoft.Extensions.Logging;

namespace SlurmK8s.ControllerRuntime;

/// <summary>
/// Keys to reconcile, as client-go's rate-limited work queue: a key waiting is queued once however often it is
/// added; a key is never processed by two workers at once (added while processing, it is processed again right
/// after); <see cref="AddAfter"/> brings a key back later (the earliest of several requests wins); a key whose
/// processing throws comes back after a per-key capped exponential backoff with jitter, reset by a success.
/// <see cref="Problem"/> says whether it is stuck (for <c>/healthz</c>).
/// </summary>
internal sealed class WorkQueue : IDisposable
{
    private readonly ILogger _logger;
    private readonly WorkQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly Queue<string> _ready = new();
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _processing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _waiting = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _timeline = new();
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _readyCount = new(0);
    private readonly ITimer _timer;
    private long _readyWaitStart;

    public WorkQueue(ILogger logger, WorkQueueOptions? options = null, TimeProvider? time = null, Random? random = null)
    {
        _logger = logger;
        _options = options ?? new WorkQueueOptions();
        _time = time ?? TimeProvider.System;
        _random = random ?? Random.Shared;
        _timer = _time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Keys ready for a worker now.</summary>
    public int ReadyCount
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count;
            }
        }
    }

    /// <summary>Keys waiting for their time (<see cref="AddAfter"/> or a failure's backoff).</summary>
    public int WaitingCount
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Why the queue is stuck, or null: a key has been processed for longer than <paramref name="threshold"/>, or keys
    /// have been ready that long while no worker took one.
    /// </summary>
    public string? Problem(TimeSpan threshold)
    {
        lock (_gate)
        {
            foreach (var (key, since) in _processing)
            {
                var busy = _time.GetElapsedTime(since);
                if (busy > threshold)
                {
                    return $"work queue: {key} has been processed for {busy:g}";
                }
            }
            var idle = _time.GetElapsedTime(_readyWaitStart);
            return _ready.Count > 0 && idle > threshold ? $"work queue: {_ready.Count} key(s) ready but no worker took one for {idle:g}" : null;
        }
    }

    /// <summary>Queues the key, unless it is already queued.</summary>
    public void Add(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            AddLocked(key);
        }
    }

    /// <summary>Queues the key after <paramref name="delay"/> (at once when zero or less).</summary>
    public void AddAfter(string key, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            AddAfterLocked(key, delay);
        }
    }

    /// <summary>
    /// Runs <paramref name="workers"/> workers until cancelled, then waits for the keys in hand to finish (the
    /// cancellation reaches them through their token). <paramref name="process"/> returns when to look at the key
    /// again (null: only when it is added again) and throws to be retried with backoff.
    /// </summary>
    public async Task RunAsync(int workers, Func<string, CancellationToken, Task<TimeSpan?>> process, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentNullException.ThrowIfNull(process);
        var loops = Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(process, cancellationToken), CancellationToken.None));
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _timer.Dispose();
        _readyCount.Dispose();
    }

    private async Task WorkAsync(Func<string, CancellationToken, Task<TimeSpan?>> process, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await _readyCount.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (cancellationToken.IsCancellationRequested)
            {
                // Took a key's turn just as we stop: leave it for whoever runs next.
                _readyCount.Release();
                return;
            }
            string key;
            lock (_gate)
            {
                key = _ready.Dequeue();
                _dirty.Remove(key);
                _readyWaitStart = _time.GetTimestamp();
                _processing.Add(key, _readyWaitStart);
            }
            TimeSpan? again = null;
            Exception? failure = null;
            try
            {
                again = await process(key, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping half-way: the key goes back to the queue, for whoever runs it next.
                lock (_gate)
                {
                    _processing.Remove(key);
                    AddLocked(key);
                }
                continue;
            }
            catch (Exception e)
            {
                failure = e;
            }
            Done(key, again, failure);
        }
    }

    private void Done(string key, TimeSpan? again, Exception? failure)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            if (failure is not null)
            {
                var failures = _failures[key] = _failures.GetValueOrDefault(key) + 1;
                var delay = _options.FailureBackoff.Delay(failures, _random.NextDouble());
                _logger.ProcessingFailed(failure, key, failures, delay);
                AddAfterLocked(key, delay);
            }
            else
            {
                _failures.Remove(key);
                if (again is { } delay)
                {
                    AddAfterLocked(key, delay);
                }
            }
            // Added while it was being processed: its turn comes now.
            if (_dirty.Contains(key))
            {
                Enqueue(key);
            }
        }
    }

    private void AddLocked(string key)
    {
        if (!_dirty.Add(key))
        {
            return;
        }
        if (!_processing.ContainsKey(key))
        {
            Enqueue(key);
        }
    }

    private void Enqueue(string key)
    {
        if (_ready.Count == 0)
        {
            _readyWaitStart = _time.GetTimestamp();
        }
        _ready.Enqueue(key);
        _readyCount.Release();
    }

    private void AddAfterLocked(string key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            AddLocked(key);
            return;
        }
        var due = _time.GetUtcNow() + delay;
        if (_waiting.TryGetValue(key, out var earlier) && earlier <= due)
        {
            return;
        }
        _waiting[key] = due;
        _timeline.Enqueue(key, due);
        ArmTimer();
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            while (_timeline.TryPeek(out var key, out var due) && due <= now)
            {
                _timeline.Dequeue();
                // Entries superseded by an earlier time for the same key are skipped.
                if (_waiting.TryGetValue(key, out var current) && current == due)
                {
                    _waiting.Remove(key);
                    AddLocked(key);
                }
            }
            ArmTimer();
        }
    }

    private void ArmTimer()
    {
        while (_timeline.TryPeek(out var key, out var due))
        {
            if (_waiting.TryGetValue(key, out var current) && current == due)
            {
                var wait = due - _time.GetUtcNow();
                _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
                return;
            }
            _timeline.Dequeue();
        }
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }
}
