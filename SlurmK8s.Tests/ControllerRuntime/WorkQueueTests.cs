using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Fakes;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Tests.ControllerRuntime;

internal sealed class WorkQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private ManualTimeProvider _clock = null!;
    private CancellationTokenSource _stop = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new ManualTimeProvider();
        _stop = new CancellationTokenSource();
    }

    [TearDown]
    public void TearDown()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    [Test]
    public async Task Add_SameKeyTwiceBeforeItIsProcessed_ProcessesItOnce()
    {
        using var queue = NewQueue();
        var worker = new Worker();
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        queue.Add("end");

        var run = queue.RunAsync(1, worker.ProcessAsync, _stop.Token);
        await worker.WaitForStartAsync("end");

        Assert.That(worker.Started, Is.EqualTo(new[] { "a", "b", "end" }));
        await StopAsync(run);
    }

    [Test]
    public async Task Add_WhileTheKeyIsBeingProcessed_ProcessesItAgainAfterwardsNeverAtTheSameTime()
    {
        using var queue = NewQueue();
        var worker = new Worker();
        var release = worker.Hold("a");
        queue.Add("a");
        var run = queue.RunAsync(2, worker.ProcessAsync, _stop.Token);
        await worker.WaitForStartAsync("a");

        // "a" changes while a worker has it; "b" is added after. The idle worker must take "b", not a second "a".
        queue.Add("a");
        queue.Add("b");
        await worker.WaitForStartAsync("b");
        Assert.That(worker.Started, Is.EqualTo(new[] { "a", "b" }));

        release.SetResult();
        await worker.WaitForStartAsync("a");

        Assert.That(worker.Started, Is.EqualTo(new[] { "a", "b", "a" }));
        Assert.That(worker.MaxConcurrent("a"), Is.EqualTo(1));
        await StopAsync(run);
    }

    [Test]
    public async Task AddAfter_ProcessesTheKeyOnlyOnceTheDelayHasPassed()
    {
        using var queue = NewQueue();
        var worker = new Worker();
        var run = queue.RunAsync(1, worker.ProcessAsync, _stop.Token);

        queue.AddAfter("a", TimeSpan.FromSeconds(5));
        _clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));

        Assert.That(queue.ReadyCount, Is.Zero);
        Assert.That(queue.WaitingCount, Is.EqualTo(1));
        Assert.That(worker.Started, Is.Empty);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await worker.WaitForStartAsync("a");
        Assert.That(queue.WaitingCount, Is.Zero);
        await StopAsync(run);
    }

    [Test]
    public async Task AddAfter_TwiceForOneKey_TheEarlierTimeWinsAndTheKeyComesOnce()
    {
        using var queue = NewQueue();
        var worker = new Worker();
        var run = queue.RunAsync(1, worker.ProcessAsync, _stop.Token);

        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(2));
        queue.AddAfter("a", TimeSpan.FromSeconds(6));
        Assert.That(queue.WaitingCount, Is.EqualTo(1));

        _clock.Advance(TimeSpan.FromSeconds(2));
        await worker.WaitForStartAsync("a");
        _clock.Advance(TimeSpan.FromSeconds(10));
        queue.Add("end");
        await worker.WaitForStartAsync("end");

        Assert.That(worker.Started, Is.EqualTo(new[] { "a", "end" }));
        await StopAsync(run);
    }

    [Test]
    public async Task Process_WhenItReturnsADelay_TheKeyComesBackAfterIt()
    {
        using var queue = NewQueue();
        var worker = new Worker { Again = (_, attempt) => attempt == 1 ? TimeSpan.FromSeconds(30) : null };
        var run = queue.RunAsync(1, worker.ProcessAsync, _stop.Token);
        queue.Add("a");
        await worker.WaitForStartAsync("a");
        await Eventually.TrueAsync(() => queue.WaitingCount == 1);

        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.That(queue.ReadyCount, Is.Zero);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await worker.WaitForStartAsync("a");

        await Eventually.TrueAsync(() => worker.Finished == 2);
        Assert.That(queue.WaitingCount, Is.Zero);
        await StopAsync(run);
    }

    [Test]
    public async Task Process_WhenItKeepsFailing_RetriesAfterCappedExponentialBackoffResetBySuccess()
    {
        using var queue = NewQueue(new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), Jitter: 0));
        var failUntil = 5;
        var worker = new Worker { Fail = (_, attempt) => attempt < failUntil };
        var run = queue.RunAsync(1, worker.ProcessAsync, _stop.Token);
        queue.Add("a");

        // Failures 1..4 wait 1 s, 2 s, 4 s, 4 s (capped); the 5th try succeeds.
        foreach (var expected in new[] { 1, 2, 4, 4 })
        {
            await Eventually.TrueAsync(() => queue.WaitingCount == 1);
            var tries = worker.Count("a");
            _clock.Advance(TimeSpan.FromSeconds(expected) - TimeSpan.FromMilliseconds(1));
            Assert.That(queue.ReadyCount, Is.Zero, $"retried before {expected} s");
            _clock.Advance(TimeSpan.FromMilliseconds(1));
            await Eventually.TrueAsync(() => worker.Count("a") == tries + 1);
        }
        await Eventually.TrueAsync(() => worker.Finished == 5);
        Assert.That(worker.Count("a"), Is.EqualTo(5));

        // After a success the next failure starts again at 1 s.
        failUntil = 7;
        queue.Add("a");
        await Eventually.TrueAsync(() => queue.WaitingCount == 1);
        _clock.Advance(TimeSpan.FromSeconds(1));   // not 4 s: the success reset the backoff
        await Eventually.TrueAsync(() => worker.Count("a") == 7);
        await StopAsync(run);
    }

    [Test]
    public async Task RunAsync_WhenCancelled_StopsTheKeysInHandAndReturns()
    {
        using var queue = NewQueue();
        var inHand = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = queue.RunAsync(2, async (key, ct) =>
        {
            inHand.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        }, _stop.Token);
        queue.Add("a");
        await inHand.Task.WaitAsync(Patience);

        await _stop.CancelAsync();

        Assert.That(async () => await run.WaitAsync(Patience), Throws.Nothing);
        Assert.That(queue.ReadyCount, Is.EqualTo(1), "the interrupted key goes back to the queue");
    }

    [Test]
    public async Task RunAsync_ManyKeysManyWorkers_EveryKeyIsProcessedAndNeverTwiceAtOnce()
    {
        using var queue = NewQueue();
        var worker = new Worker { Pause = true };
        var run = queue.RunAsync(4, worker.ProcessAsync, _stop.Token);
        var keys = Enumerable.Range(0, 50).Select(i => $"k{i}").ToList();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var round = 0; round < 20; round++)
            {
                foreach (var key in keys)
                {
                    queue.Add(key);
                }
            }
        })));
        await Eventually.TrueAsync(() => keys.All(k => worker.Count(k) > 0) && queue.ReadyCount == 0 && worker.InFlight == 0);

        Assert.That(keys.Max(worker.MaxConcurrent), Is.EqualTo(1));
        await StopAsync(run);
    }

    private WorkQueue NewQueue(ExponentialBackoff? backoff = null) =>
        new(NullLogger.Instance, backoff is null ? null : new WorkQueueOptions { FailureBackoff = backoff }, _clock, new Random(7));

    private async Task StopAsync(Task run)
    {
        await _stop.CancelAsync();
        await run.WaitAsync(Patience);
    }

    /// <summary>Records which keys were processed, in order and how concurrently; can hold a key or make it fail.</summary>
    private sealed class Worker
    {
        private readonly Lock _gate = new();
        private readonly List<string> _started = [];
        private readonly Dictionary<string, int> _running = [];
        private readonly Dictionary<string, int> _maxRunning = [];
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _holds = new();
        private readonly Channel<string> _starts = Channel.CreateUnbounded<string>();
        private int _finishedCount;

        /// <summary>Whether the attempt (1 for the key's first) throws.</summary>
        public Func<string, int, bool>? Fail { get; init; }
        /// <summary>What the attempt returns: when to come back.</summary>
        public Func<string, int, TimeSpan?>? Again { get; init; }
        public bool Pause { get; init; }

        public IReadOnlyList<string> Started
        {
            get
            {
                lock (_gate)
                {
                    return [.. _started];
                }
            }
        }

        public int Finished => Volatile.Read(ref _finishedCount);

        public int InFlight
        {
            get
            {
                lock (_gate)
                {
                    return _running.Values.Sum();
                }
            }
        }

        public int Count(string key)
        {
            lock (_gate)
            {
                return _started.Count(k => k == key);
            }
        }

        public int MaxConcurrent(string key)
        {
            lock (_gate)
            {
                return _maxRunning.GetValueOrDefault(key);
            }
        }

        /// <summary>The next processing of the key waits until the returned source is completed.</summary>
        public TaskCompletionSource Hold(string key) =>
            _holds.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        /// <summary>Waits until the key has been started once more (it may still be running).</summary>
        public async Task WaitForStartAsync(string key)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (true)
            {
                if (await _starts.Reader.ReadAsync(timeout.Token) == key)
                {
                    return;
                }
            }
        }

        public async Task<TimeSpan?> ProcessAsync(string key, CancellationToken cancellationToken)
        {
            int attempt;
            lock (_gate)
            {
                _started.Add(key);
                attempt = _started.Count(k => k == key);
                var now = _running[key] = _running.GetValueOrDefault(key) + 1;
                _maxRunning[key] = Math.Max(_maxRunning.GetValueOrDefault(key), now);
            }
            _starts.Writer.TryWrite(key);
            try
            {
                if (_holds.TryRemove(key, out var hold))
                {
                    await hold.Task.WaitAsync(cancellationToken);
                }
                if (Pause)
                {
                    await Task.Yield();
                }
                if (Fail?.Invoke(key, attempt) == true)
                {
                    throw new InvalidOperationException($"{key} failed on purpose");
                }
                return Again?.Invoke(key, attempt);
            }
            finally
            {
                lock (_gate)
                {
                    _running[key]--;
                }
                Interlocked.Increment(ref _finishedCount);
            }
        }
    }
}
