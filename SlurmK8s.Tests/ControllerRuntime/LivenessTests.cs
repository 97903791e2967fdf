using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.ControllerRuntime.Observability;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.ControllerRuntime;

/// <summary>/healthz's checks on a fake clock: a watch failing for minutes and a stuck work queue fail it, and it recovers.</summary>
internal sealed class LivenessTests
{
    private static readonly Liveness Limits = new();
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
    public async Task ListWatch_FailingLongerThanTheLimit_IsAProblem_UntilAListSucceeds()
    {
        var source = new FakeWatchSource<V1ConfigMap>();
        var unavailable = true;
        source.OnList = () => Volatile.Read(ref unavailable) ? FakeKubeApi.Unavailable("list fakes") : null;
        var watch = new ListWatch<V1ConfigMap>(source, _ => { }, NullLogger.Instance, time: _clock);
        var run = watch.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => source.ListCalls >= 1, patience: Patience);

        var atFirst = watch.Problem(Limits.WatchFailing);
        _clock.Advance(Limits.WatchFailing + TimeSpan.FromSeconds(1));
        var later = watch.Problem(Limits.WatchFailing);
        Volatile.Write(ref unavailable, false);
        await Eventually.TrueAsync(() =>
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            return watch.Problem(Limits.WatchFailing) is null && watch.HasSynced;
        }, patience: Patience);

        Assert.That(atFirst, Is.Null, "a failure is no problem yet");
        Assert.That(later, Does.StartWith("list/watch of fakes failing for").And.Contain("the server is currently unable"));
        await _stop.CancelAsync();
        await run.WaitAsync(Patience);
    }

    [Test]
    public async Task ListWatch_QuietOpenWatch_IsNoProblem()
    {
        var source = new FakeWatchSource<V1ConfigMap>();
        var watch = new ListWatch<V1ConfigMap>(source, _ => { }, NullLogger.Instance, time: _clock);
        var run = watch.RunAsync(_stop.Token);
        await source.NextWatchAsync();

        _clock.Advance(TimeSpan.FromMinutes(30));

        Assert.That(watch.Problem(Limits.WatchFailing), Is.Null, "nothing changed: nothing to report");
        await _stop.CancelAsync();
        await run.WaitAsync(Patience);
    }

    [Test]
    public async Task WorkQueue_KeyProcessedTooLong_IsAProblem_UntilItReturns()
    {
        using var queue = new WorkQueue(NullLogger.Instance, time: _clock);
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        queue.Add("ns/hung");
        var run = queue.RunAsync(1, async (_, _) =>
        {
            started.TrySetResult();
            await release.Task;
            return null;
        }, _stop.Token);
        await started.Task.WaitAsync(Patience);

        var atFirst = queue.Problem(Limits.QueueStuck);
        _clock.Advance(Limits.QueueStuck + TimeSpan.FromSeconds(1));
        var later = queue.Problem(Limits.QueueStuck);
        release.SetResult();
        await Eventually.TrueAsync(() => queue.Problem(Limits.QueueStuck) is null, patience: Patience);

        Assert.That(atFirst, Is.Null);
        Assert.That(later, Does.StartWith("work queue: ns/hung has been processed for"));
        await _stop.CancelAsync();
        await run.WaitAsync(Patience);
    }

    [Test]
    public void WorkQueue_KeysReadyButNoWorkerTakesThem_IsAProblem()
    {
        using var queue = new WorkQueue(NullLogger.Instance, time: _clock);
        _clock.Advance(TimeSpan.FromHours(1));   // idle for long: not a problem by itself
        queue.Add("ns/a");

        var atFirst = queue.Problem(Limits.QueueStuck);
        _clock.Advance(Limits.QueueStuck + TimeSpan.FromSeconds(1));

        Assert.That(atFirst, Is.Null);
        Assert.That(queue.Problem(Limits.QueueStuck), Does.StartWith("work queue: 1 key(s) ready but no worker took one for"));
    }

    [Test]
    public void HealthState_IsLiveUntilACheckNamesAProblem_AndAgainOnceItIsRemoved()
    {
        var health = new HealthState();
        string? problem = null;

        var check = health.AddLivenessCheck(() => problem);
        var live = health.NotLiveReason;
        problem = "work queue: stuck";
        var stuck = health.NotLiveReason;
        check.Dispose();

        Assert.That((live, stuck, health.NotLiveReason), Is.EqualTo(((string?)null, "work queue: stuck", (string?)null)));
    }
}
