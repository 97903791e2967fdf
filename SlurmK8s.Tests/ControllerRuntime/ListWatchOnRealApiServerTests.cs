using System.Threading.Channels;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Integration;
using SlurmK8s.Tests.Kube;
using SlurmK8s.Tests.Manifests;

namespace SlurmK8s.Tests.ControllerRuntime;

/// <summary>
/// ListWatch and its HTTP watch against the run's real kube-apiserver, including a restart of it and a 410 Gone
/// provoked by etcd compaction. These tests restart the shared server; each leaves it running and ready.
/// </summary>
[Category("Integration")]
internal sealed class ListWatchOnRealApiServerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly ListWatchOptions Quick = new() { Backoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)) };

    private Kubernetes _client = null!;
    private KubeClient _kubeClient = null!;
    private KubeApi _kube = null!;
    private string _ns = null!;
    private CancellationTokenSource _stop = null!;

    [OneTimeSetUp]
    public Task StartApiServer() => SlurmJobCrd.EnsureInstalledAsync();

    [SetUp]
    public async Task NewNamespace()
    {
        _client = RealApiServer.CreateClient();
        _kubeClient = RealApiServer.CreateKubeClient();
        _kube = new KubeApi(_kubeClient);
        _ns = await RealApiServer.NewNamespaceAsync(_client, "watch");
        _stop = new CancellationTokenSource();
    }

    [TearDown]
    public void TearDown()
    {
        _stop.Cancel();
        _stop.Dispose();
        _client.Dispose();
        _kubeClient.Dispose();
    }

    [Test]
    public async Task Watch_SeesSlurmJobsCreatedModifiedAndDeleted()
    {
        var (watch, reports, run) = Start(WatchSources.SlurmJobs(_kubeClient, _ns));
        await watch.WaitForSyncAsync(CancellationToken.None).WaitAsync(Patience);

        await KubeApiTests.CreateSlurmJobAsync(_client, _ns, "cow");
        await reports.NextAsync(j => j.Metadata.Name == "cow");
        Assert.That(watch.TryGet($"{_ns}/cow", out var created) && created.Status is null);

        await _kube.PatchSlurmJobStatusAsync(_ns, "cow", KubeApiContract.Patch(new SlurmJobStatus { Phase = SlurmJobPhase.Running, Slurm = new SlurmJobFacts { JobId = 7 } }), CancellationToken.None);
        await reports.NextAsync(j => j.Status?.Phase == SlurmJobPhase.Running);
        Assert.That(watch.TryGet($"{_ns}/cow", out var modified) && modified.Status!.Slurm?.JobId == 7);

        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(SlurmJob.Group, SlurmJob.Version, _ns, SlurmJob.Plural, "cow");
        var last = await reports.NextAsync(j => j.Metadata.Name == "cow");
        Assert.That(watch.TryGet($"{_ns}/cow", out _), Is.False);
        Assert.That(last.Status?.Slurm?.JobId, Is.EqualTo(7), "a deleted object is reported with its last state");
        Assert.That(watch.Lists, Is.EqualTo(1));
        await StopAsync(run);
    }

    [Test]
    public async Task Watch_OfPodsByLabel_SeesOnlyTheMatchingPods()
    {
        var (watch, reports, run) = Start(WatchSources.Pods(_kubeClient, "slurm.sylabs.io/slurmjob", _ns));
        await watch.WaitForSyncAsync(CancellationToken.None).WaitAsync(Patience);

        await _kube.CreatePodAsync(KubeApiTests.Pod(_ns, "unrelated", "app", "web"), CancellationToken.None);
        await _kube.CreatePodAsync(KubeApiTests.Pod(_ns, "cow-job", "slurm.sylabs.io/slurmjob", "cow"), CancellationToken.None);
        var first = await reports.NextAsync(_ => true);
        await _kube.DeletePodAsync(_ns, "cow-job", CancellationToken.None);
        await Eventually.TrueAsync(() => !watch.TryGet($"{_ns}/cow-job", out _));

        Assert.That(first.Metadata.Name, Is.EqualTo("cow-job"));
        Assert.That(reports.All.Select(p => p.Metadata.Name).Distinct(), Is.EqualTo(new[] { "cow-job" }));
        await StopAsync(run);
    }

    [Test]
    public async Task Watch_WhenTheServerEndsEachWatch_WatchesOnFromTheLastResourceVersionWithoutListing()
    {
        // timeoutSeconds=2: the API server closes every watch after two seconds, as it does after minutes in production.
        var source = new CountingSource<SlurmJob>(WatchSources.SlurmJobs(_kubeClient, _ns, watchTimeout: TimeSpan.FromSeconds(2)));
        var (watch, reports, run) = Start<SlurmJob>(source);
        // Listed before "a" exists: else the list already holds it and every watch rightly starts from the list's version.
        await watch.WaitForSyncAsync(CancellationToken.None).WaitAsync(Patience);
        await KubeApiTests.CreateSlurmJobAsync(_client, _ns, "a");
        await reports.NextAsync(j => j.Metadata.Name == "a");

        await Eventually.TrueAsync(() => source.Watches.Count >= 3);
        await KubeApiTests.CreateSlurmJobAsync(_client, _ns, "b");
        await reports.NextAsync(j => j.Metadata.Name == "b");

        Assert.That(watch.Lists, Is.EqualTo(1));
        var versions = source.Watches.Select(v => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.That(versions, Is.Ordered.Ascending);
        Assert.That(versions[^1], Is.GreaterThan(versions[0]), "later watches start after a's creation, not from the list");
        await StopAsync(run);
    }

    [Test]
    public async Task Watch_SurvivesAnApiServerRestart()
    {
        var (watch, reports, run) = Start(WatchSources.SlurmJobs(_kubeClient, _ns));
        await KubeApiTests.CreateSlurmJobAsync(_client, _ns, "before");
        await reports.NextAsync(j => j.Metadata.Name == "before");

        await ApiServerControl.RestartAsync();
        await KubeApiTests.CreateSlurmJobAsync(_client, _ns, "after");
        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(SlurmJob.Group, SlurmJob.Version, _ns, SlurmJob.Plural, "before");

        await Eventually.TrueAsync(() => watch.TryGet($"{_ns}/after", out _) && !watch.TryGet($"{_ns}/before", out _));
        TestContext.Progress.WriteLine($"lists after the restart: {watch.Lists}");
        await StopAsync(run);
    }

    [Test]
    public async Task Watch_WhenEtcdCompactionLeavesItsResourceVersionBehind_GetsGoneListsAgainAndConverges()
    {
        var source = WatchSources.SlurmJobs(_kubeClient, _ns);
        var (watch, reports, run) = Start(source);
        await KubeApiTests.CreateSlurmJobAsync(_client, _ns, "a");
        await KubeApiTests.CreateSlurmJobAsync(_client, _ns, "b");
        await Eventually.TrueAsync(() => watch.Snapshot().Count == 2);
        var stale = watch.ResourceVersion!;

        // A write the SlurmJob watch does not see moves etcd past its resourceVersion; compaction then drops the
        // history, and the restart starts the watch cache afresh at the current revision: the old resourceVersion is gone.
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "elsewhere" } }, _ns);
        var compactedTo = await ApiServerControl.CompactAsync();
        await ApiServerControl.RestartAsync();
        var reportsBefore = reports.All.Count;
        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(SlurmJob.Group, SlurmJob.Version, _ns, SlurmJob.Plural, "a");
        await KubeApiTests.CreateSlurmJobAsync(_client, _ns, "c");

        await Eventually.TrueAsync(() => watch.Snapshot().Select(j => j.Metadata.Name).Order().SequenceEqual(["b", "c"]));
        Assert.That(watch.Lists, Is.EqualTo(2), "relisted once, on the 410");
        Assert.That(reports.All.Skip(reportsBefore).Select(j => j.Metadata.Name), Does.Contain("a").And.Contain("c"));
        Assert.That(long.Parse(stale, System.Globalization.CultureInfo.InvariantCulture), Is.LessThan(compactedTo));

        // The server's own answer to the stale resourceVersion, through the same HTTP watch.
        var gone = await Assert.ThrowsAsync<KubeApiException>(async () =>
        {
            using var timeout = new CancellationTokenSource(Patience);
            await foreach (var _ in source.WatchAsync(stale, timeout.Token))
            {
            }
        });
        Assert.That(gone!.IsGone, $"{gone.StatusCode} {gone.Message}");
        await StopAsync(run);
    }

    private (ListWatch<T> Watch, Reports<T> Reports, Task Run) Start<T>(IWatchSource<T> source) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var reports = new Reports<T>();
        var watch = new ListWatch<T>(source, reports.Add, new ProgressLogger(source.Description), Quick);
        return (watch, reports, watch.RunAsync(_stop.Token));
    }

    private async Task StopAsync(Task run)
    {
        await _stop.CancelAsync();
        await run.WaitAsync(Patience);
    }

    /// <summary>Passes through, noting the resourceVersion each watch starts from.</summary>
    private sealed class CountingSource<T>(IWatchSource<T> inner) : IWatchSource<T>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _watches = new();

        public IReadOnlyList<string> Watches => [.. _watches];

        public string Description => inner.Description;

        public Task<KubeList<T>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public IAsyncEnumerable<WatchEvent<T>> WatchAsync(string resourceVersion, CancellationToken cancellationToken)
        {
            _watches.Enqueue(resourceVersion);
            return inner.WatchAsync(resourceVersion, cancellationToken);
        }
    }

    /// <summary>What the watch reported, in order.</summary>
    private sealed class Reports<T>
    {
        private readonly Channel<T> _next = Channel.CreateUnbounded<T>();
        private readonly Lock _gate = new();
        private readonly List<T> _all = [];

        public IReadOnlyList<T> All
        {
            get
            {
                lock (_gate)
                {
                    return [.. _all];
                }
            }
        }

        public void Add(T item)
        {
            lock (_gate)
            {
                _all.Add(item);
            }
            _next.Writer.TryWrite(item);
        }

        /// <summary>The next report that matches, skipping others.</summary>
        public async Task<T> NextAsync(Func<T, bool> match)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (true)
            {
                var item = await _next.Reader.ReadAsync(timeout.Token);
                if (match(item))
                {
                    return item;
                }
            }
        }
    }
}
