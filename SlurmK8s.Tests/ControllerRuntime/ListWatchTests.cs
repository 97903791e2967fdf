using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Fakes;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Tests.ControllerRuntime;

internal sealed class ListWatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private FakeWatchSource<V1ConfigMap> _source = null!;
    private Channel<V1ConfigMap> _reported = null!;
    private ManualTimeProvider _clock = null!;
    private CancellationTokenSource _stop = null!;

    [SetUp]
    public void SetUp()
    {
        _source = new FakeWatchSource<V1ConfigMap>();
        _reported = Channel.CreateUnbounded<V1ConfigMap>();
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
    public async Task Run_FirstList_ReportsEveryObjectAndFillsTheCache()
    {
        _source.SetList("10", Map("ns", "a", "5"), Map("ns", "b", "7"));
        var (watch, run) = Start();

        Assert.That(await NextReportedAsync(2), Is.EquivalentTo(new[] { "ns/a@5", "ns/b@7" }));
        await watch.WaitForSyncAsync(CancellationToken.None).WaitAsync(Patience);
        Assert.That(watch.TryGet("ns/a", out var a) && a.Metadata.ResourceVersion == "5");
        Assert.That(watch.Snapshot(), Has.Count.EqualTo(2));
        Assert.That((await _source.NextWatchAsync()).ResourceVersion, Is.EqualTo("10"));
        await StopAsync(run);
    }

    [Test]
    public async Task Run_ListedAndWatchedObjects_AreCachedWithoutManagedFields()
    {
        _source.SetList("10", Managed(Map("ns", "a", "5")));
        var (watch, run) = Start();
        await NextReportedAsync(1);
        var stream = await _source.NextWatchAsync();

        stream.Send(WatchEventType.Added, Managed(Map("ns", "b", "11")), "11");
        await NextReportedAsync(1);

        Assert.That(watch.Snapshot().Select(m => m.Metadata.ManagedFields), Is.All.Null);
        Assert.That(watch.Snapshot(), Has.Count.EqualTo(2));
        await StopAsync(run);
    }

    [Test]
    public async Task Run_WatchEvents_KeepTheCacheTrueAndReportTheObjectWhateverHappened()
    {
        _source.SetList("10", Map("ns", "a", "5"));
        var (watch, run) = Start();
        await NextReportedAsync(1);
        var stream = await _source.NextWatchAsync();

        stream.Send(WatchEventType.Added, Map("ns", "b", "11"), "11");
        stream.Send(WatchEventType.Modified, Map("ns", "a", "12"), "12");
        stream.Send(WatchEventType.Deleted, Map("ns", "b", "13"), "13");

        Assert.That(await NextReportedAsync(3), Is.EqualTo(new[] { "ns/b@11", "ns/a@12", "ns/b@13" }));
        Assert.That(watch.TryGet("ns/a", out var a) && a.Metadata.ResourceVersion == "12");
        Assert.That(watch.TryGet("ns/b", out _), Is.False);
        Assert.That(watch.ResourceVersion, Is.EqualTo("13"));
        await StopAsync(run);
    }

    [Test]
    public async Task Run_WhenTheServerEndsAWatch_WatchesAgainFromTheLastResourceVersionAndBookmarksAdvanceIt()
    {
        _source.SetList("10");
        var (watch, run) = Start();
        var first = await _source.NextWatchAsync();

        first.Send(WatchEventType.Added, Map("ns", "a", "11"), "11");
        first.Send(WatchEventType.Bookmark, null, "40");
        first.End();
        var second = await _source.NextWatchAsync();

        Assert.That(second.ResourceVersion, Is.EqualTo("40"));
        Assert.That(_source.ListCalls, Is.EqualTo(1));
        Assert.That(await NextReportedAsync(1), Is.EqualTo(new[] { "ns/a@11" }), "a bookmark reports nothing");
        Assert.That(_reported.Reader.TryRead(out _), Is.False);
        await StopAsync(run);
    }

    [Test]
    public async Task Run_On410Gone_ListsAgainAndReportsEveryObjectIncludingTheVanishedOnes()
    {
        _source.SetList("10", Map("ns", "a", "5"), Map("ns", "b", "7"));
        var (watch, run) = Start();
        await NextReportedAsync(2);
        var first = await _source.NextWatchAsync();

        first.Send(WatchEventType.Modified, Map("ns", "b", "11"), "11");
        Assert.That(await NextReportedAsync(1), Is.EqualTo(new[] { "ns/b@11" }));

        // While the watch was behind: b changed, c appeared, a was deleted.
        _source.SetList("20", Map("ns", "b", "18"), Map("ns", "c", "19"));
        first.Fail(new KubeApiException(410, "Expired", "too old resource version: 11 (15)"));

        Assert.That(await NextReportedAsync(3), Is.EquivalentTo(new[] { "ns/b@18", "ns/c@19", "ns/a@5" }));
        Assert.That(watch.TryGet("ns/a", out _), Is.False);
        Assert.That(watch.Snapshot().Select(m => m.Metadata.Name), Is.EquivalentTo(new[] { "b", "c" }));
        Assert.That(watch.Lists, Is.EqualTo(2));
        Assert.That((await _source.NextWatchAsync()).ResourceVersion, Is.EqualTo("20"));
        await StopAsync(run);
    }

    [Test]
    public async Task Run_When410ComesAgainStraightAfterAList_PausesBeforeListingAgain()
    {
        _source.SetList("10");
        var (watch, run) = Start(new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Jitter: 0));

        (await _source.NextWatchAsync()).Fail(new KubeApiException(410, "Expired", "too old resource version"));
        (await _source.NextWatchAsync()).Fail(new KubeApiException(410, "Expired", "too old resource version"));
        await Eventually.TrueAsync(() => _clock.PendingTimers == 1);

        Assert.That(_source.ListCalls, Is.EqualTo(2), "the first 410 relists at once, the second waits");
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _source.NextWatchAsync();
        Assert.That(_source.ListCalls, Is.EqualTo(3));
        Assert.That(watch.Lists, Is.EqualTo(3));
        await StopAsync(run);
    }

    [Test]
    public async Task Run_OnOtherErrors_WatchesAgainFromTheSameResourceVersionAfterABackoff()
    {
        _source.SetList("10", Map("ns", "a", "5"));
        var (watch, run) = Start(new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Jitter: 0));
        var first = await _source.NextWatchAsync();
        first.Send(WatchEventType.Modified, Map("ns", "a", "12"), "12");
        await NextReportedAsync(2);

        first.Fail(new IOException("connection reset by peer"));
        await Eventually.TrueAsync(() => _clock.PendingTimers == 1);
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(_source.WatchCalls, Is.EqualTo(1), "re-watched before the backoff");
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var second = await _source.NextWatchAsync();

        Assert.That(second.ResourceVersion, Is.EqualTo("12"));
        Assert.That(watch.Lists, Is.EqualTo(1));
        await StopAsync(run);
    }

    [Test]
    public async Task Run_WhenTheListFails_TriesAgainWithGrowingPausesUntilItSyncs()
    {
        var failures = 2;
        _source.OnList = () => failures-- > 0 ? FakeKubeApi.Unavailable("list configmaps") : null;
        _source.SetList("10", Map("ns", "a", "5"));
        var (watch, run) = Start(new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Jitter: 0));

        foreach (var pause in new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2) })
        {
            await Eventually.TrueAsync(() => _clock.PendingTimers == 1);
            var calls = _source.ListCalls;
            _clock.Advance(pause - TimeSpan.FromMilliseconds(1));
            Assert.That(_source.ListCalls, Is.EqualTo(calls), $"listed again before {pause}");
            _clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.That(await NextReportedAsync(1), Is.EqualTo(new[] { "ns/a@5" }));
        Assert.That(watch.HasSynced);
        Assert.That(_source.ListCalls, Is.EqualTo(3));
        await StopAsync(run);
    }

    [Test]
    public async Task Run_WhenTheConsumerThrows_KeepsWatching()
    {
        _source.SetList("10");
        var seen = Channel.CreateUnbounded<string>();
        var watch = new ListWatch<V1ConfigMap>(_source, m =>
        {
            seen.Writer.TryWrite(m.Metadata.Name);
            throw new InvalidOperationException("consumer bug");
        }, NullLogger.Instance, time: _clock);
        var run = watch.RunAsync(_stop.Token);
        var stream = await _source.NextWatchAsync();

        stream.Send(WatchEventType.Added, Map("ns", "a", "11"), "11");
        stream.Send(WatchEventType.Added, Map("ns", "b", "12"), "12");

        Assert.That(await seen.Reader.ReadAsync().AsTask().WaitAsync(Patience), Is.EqualTo("a"));
        Assert.That(await seen.Reader.ReadAsync().AsTask().WaitAsync(Patience), Is.EqualTo("b"));
        Assert.That(watch.TryGet("ns/b", out _));
        await StopAsync(run);
    }

    [Test]
    public async Task Version_GrowsWithEveryChangeToTheCache_AndNotWithABookmark()
    {
        _source.SetList("10", Map("ns", "a", "5"));
        var watch = new ListWatch<V1ConfigMap>(_source, m => _reported.Writer.TryWrite(m), NullLogger.Instance, time: _clock);
        var before = watch.Version;
        var run = watch.RunAsync(_stop.Token);
        await NextReportedAsync(1);
        var listed = watch.Version;
        var stream = await _source.NextWatchAsync();

        stream.Send(WatchEventType.Bookmark, null, "11");
        stream.Send(WatchEventType.Deleted, Map("ns", "a", "12"), "12");
        await NextReportedAsync(1);

        Assert.That(listed, Is.GreaterThan(before));
        Assert.That(watch.Version, Is.EqualTo(listed + 1), "the deletion changed the cache; the bookmark did not");
        await StopAsync(run);
    }

    [Test]
    public async Task AddHandler_AHandlerAddedAfterTheCacheIsMade_IsToldOfEveryChangeToo_EvenWhenTheFirstThrows()
    {
        _source.SetList("10", Map("ns", "a", "5"));
        var later = Channel.CreateUnbounded<string>();
        var watch = new ListWatch<V1ConfigMap>(_source, _ => throw new InvalidOperationException("consumer bug"), NullLogger.Instance, time: _clock);
        watch.AddHandler(m => later.Writer.TryWrite($"{ObjectKey.Of(m.Metadata)} cached: {watch.TryGet(ObjectKey.Of(m.Metadata), out _)}"));
        var run = watch.RunAsync(_stop.Token);
        var stream = await _source.NextWatchAsync();

        stream.Send(WatchEventType.Deleted, Map("ns", "a", "11"), "11");

        Assert.That(await later.Reader.ReadAsync().AsTask().WaitAsync(Patience), Is.EqualTo("ns/a cached: True"));
        Assert.That(await later.Reader.ReadAsync().AsTask().WaitAsync(Patience), Is.EqualTo("ns/a cached: False"), "told after the cache changed");
        await StopAsync(run);
    }

    [Test]
    public async Task Run_WhenCancelled_ReturnsWithoutThrowing()
    {
        _source.SetList("10");
        var (_, run) = Start();
        await _source.NextWatchAsync();

        await _stop.CancelAsync();

        Assert.That(async () => await run.WaitAsync(Patience), Throws.Nothing);
    }

    private (ListWatch<V1ConfigMap> Watch, Task Run) Start(ExponentialBackoff? backoff = null)
    {
        var options = backoff is null ? null : new ListWatchOptions { Backoff = backoff };
        var watch = new ListWatch<V1ConfigMap>(_source, m => _reported.Writer.TryWrite(m), NullLogger.Instance, options, _clock);
        return (watch, watch.RunAsync(_stop.Token));
    }

    private async Task<List<string>> NextReportedAsync(int count)
    {
        var result = new List<string>();
        using var timeout = new CancellationTokenSource(Patience);
        for (var i = 0; i < count; i++)
        {
            var map = await _reported.Reader.ReadAsync(timeout.Token);
            result.Add($"{ObjectKey.Of(map.Metadata)}@{map.Metadata.ResourceVersion}");
        }
        return result;
    }

    private async Task StopAsync(Task run)
    {
        await _stop.CancelAsync();
        await run.WaitAsync(Patience);
    }

    private static V1ConfigMap Managed(V1ConfigMap map)
    {
        map.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl", Operation = "Update", FieldsType = "FieldsV1" }];
        return map;
    }

    private static V1ConfigMap Map(string namespaceName, string name, string resourceVersion) =>
        new() { Metadata = new V1ObjectMeta { NamespaceProperty = namespaceName, Name = name, ResourceVersion = resourceVersion } };
}
