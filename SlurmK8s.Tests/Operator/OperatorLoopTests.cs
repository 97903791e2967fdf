using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.ControllerRuntime.Observability;
using SlurmK8s.Kube;
using SlurmK8s.Operator;
using SlurmK8s.Tests.Fakes;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

namespace SlurmK8s.Tests.Operator;

/// <summary>The leader's loop wired to scripted watches and the fake API: caches feed the controller, and /healthz watches the watches.</summary>
internal sealed class OperatorLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Run_ReconcilesAndResyncsFromTheCaches_IsReadyOnceSynced_AndFailsHealthzOnlyWhileAWatchKeepsFailing()
    {
        var kube = new FakeKubeApi();
        var job = kube.AddSlurmJob(Job().WithFinalizer());
        var (jobs, pods, nodes) = (new FakeWatchSource<SlurmJob>(), new FakeWatchSource<V1Pod>(), new FakeWatchSource<V1Node>());
        jobs.SetList("1", job);
        var health = new HealthState();
        using var metrics = new OperatorMetrics();
        var reads = new ConcurrentQueue<string>();
        kube.OnRead = reads.Enqueue;
        var options = new OperatorOptions
        {
            Companion = new CompanionPodOptions { Image = "slurmk8s:test" },
            Resync = TimeSpan.FromMilliseconds(50),
            Liveness = new Liveness { WatchFailing = TimeSpan.FromMilliseconds(300) },
        };
        var loop = new OperatorLoop(new OperatorSources(jobs, pods, nodes), kube, options, metrics, health, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();

        var run = loop.RunAsync(stop.Token);
        await Eventually.TrueAsync(() => kube.StoredPod("default", "cow-job") is not null, patience: Patience);
        var (notReady, live) = (health.NotReadyReason, health.NotLiveReason);
        // The pod watch brings the pod (until then a create answered AlreadyExists, and the pod was read once per pass).
        (await pods.NextWatchAsync()).Send(WatchEventType.Added, kube.StoredPod("default", "cow-job"), "2");
        // (The scripted SlurmJob watch never brings the operator's own status writes: every later pass plans from that
        // stale version, loses its status write with 409, and announces nothing; none reads the server.)
        await Task.Delay(TimeSpan.FromMilliseconds(150));
        reads.Clear();
        var events = kube.Events.Count;
        await Task.Delay(TimeSpan.FromMilliseconds(200));   // a few resyncs: each looks at the caches again
        // The node watch expires and every list after it fails (RBAC on nodes taken away, say).
        nodes.OnList = () => new KubeApiException(403, "Forbidden", "list nodes: forbidden");
        (await nodes.NextWatchAsync()).Fail(new KubeApiException(410, "Expired", "watch nodes: too old resource version"));
        await Eventually.TrueAsync(() => health.NotLiveReason is not null, patience: Patience);
        var problem = health.NotLiveReason;
        await stop.CancelAsync();
        await run.WaitAsync(Patience);

        Assert.That((notReady, live), Is.EqualTo(((string?)null, (string?)null)), "ready once synced, and live");
        Assert.That(problem, Does.Contain("list/watch of fakes failing").And.Contain("list nodes: forbidden"));
        Assert.That(health.NotLiveReason, Is.Null, "a stopped loop (leadership ended) has nothing to be stuck on");
        Assert.That(loop.Jobs.Select(j => j.Metadata.Name), Is.EqualTo(new[] { "cow" }));
        Assert.That(reads, Is.Empty, "passes and resyncs read the caches, never the server");
        Assert.That(kube.Events, Has.Count.EqualTo(events), "passes planned from a stale version announce nothing");
    }
}
