using System.Runtime.CompilerServices;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Kube;
using SlurmK8s.Resourced;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.Resourced;

/// <summary>The daemon on the work queue against a stateful fake API, for the paths the real API server will not easily produce.</summary>
internal sealed class ResourcedLoopTests
{
    private const string P = "slurm.sylabs.io/";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Run_ApiRejectsTheStatusPatch_WarnsOnTheNodeWithItsWordsAndRetriesUntilItTakes()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.Combine("slurm"), "n1:\n  resources: {cpu: 4}\n  labels: {cuda: \"10.0\"}\n");
        var api = new FakeNodeApi();
        api.AddNode("n1");
        var refusals = 0;
        api.OnPatchStatus = _ =>
        {
            if (Interlocked.Increment(ref refusals) == 1)
            {
                throw new KubeApiException(422, "Invalid", "patching the capacity of node n1: 422 Node \"n1\" is invalid");
            }
        };
        await using var run = Start(api, dir, "n1");

        var warning = await EventuallyAsync(() => api.Events.FirstOrDefault(e => e.Reason == "SlurmConfigRejected"));
        Assert.That((warning.Type, warning.InvolvedObject.Kind, warning.InvolvedObject.Name, warning.InvolvedObject.Uid, warning.ReportingComponent),
            Is.EqualTo((KubeEventType.Warning, "Node", "n1", "uid-n1", ResourcedLoop.Component)));
        Assert.That(warning.Message, Does.Contain("422 Node \"n1\" is invalid"));
        var node = await EventuallyAsync(() => api.Node("n1") is { } n && n.Capacity.ContainsKey(P + "cpu") ? n : null);
        Assert.That(node.Labels[P + "cuda"], Is.EqualTo("10.0"));
        Assert.That(api.Events.Count(e => e.Reason == "SlurmConfigApplied"), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task Run_NodeNotThereYet_AppliesOnceItAppears()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.Combine("slurm"), "late:\n  resources: {cpu: 4}\n");
        var api = new FakeNodeApi();
        await using var run = Start(api, dir, "late");

        await Task.Delay(300);
        api.AddNode("late");

        var node = await EventuallyAsync(() => api.Node("late") is { } n && n.Capacity.ContainsKey(P + "cpu") ? n : null);
        Assert.That(node.Labels[P + "workload-manager"], Is.EqualTo("slurm"));
    }

    [Test]
    public async Task Run_BadFileBeforeAnyGoodOne_WarnsOnceAndLeavesTheNodeAlone()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.Combine("slurm"), "n1:\n  labels: {cuda: 10 0}\n");
        var api = new FakeNodeApi();
        api.AddNode("n1");
        await using var run = Start(api, dir, "n1");

        var warning = await EventuallyAsync(() => api.Events.FirstOrDefault(e => e.Reason == "BadSlurmConfig"));
        Assert.That(warning.Message, Does.Contain("n1: labels.cuda: '10 0'").And.Contain("nothing applied until it is fixed"));
        await File.WriteAllTextAsync(dir.Combine("slurm"), "n1:\n  labels: {cuda: \"10.0\"}\n");
        await EventuallyAsync(() => api.Node("n1")!.Labels.GetValueOrDefault(P + "cuda"));
        Assert.That(api.Events.Count(e => e.Reason == "BadSlurmConfig"), Is.EqualTo(1), "the bad file was reported once");
    }

    [Test]
    public async Task Run_Discovery_FoundThenFailedKeepsThenAbsentRemoves_ConfiguredResourceWins()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.Combine("slurm"), "n1:\n  resources: {cpu: 2}\n  labels: {site: a}\n");
        var api = new FakeNodeApi();
        api.AddNode("n1");
        var discovery = new FakeResourceDiscovery { Outcome = DiscoveryOutcome.Found(new Dictionary<string, string> { ["cpu"] = "6", ["nodes"] = "3", ["gpu"] = "2" }) };
        await using var run = Start(api, dir, "n1", discovery);

        var found = await EventuallyAsync(() => api.Node("n1") is { } n && n.Capacity.ContainsKey(P + "nodes") ? n : null);
        Assert.That((found.Capacity[P + "cpu"], found.Capacity[P + "nodes"], found.Capacity[P + "gpu"]), Is.EqualTo(("2", "3", "2")),
            "cpu from the config wins over the discovered 6");

        discovery.Outcome = DiscoveryOutcome.Failed("red-box answered Unavailable: slurmctld down");
        var asked = discovery.Calls;
        await EventuallyAsync(() => discovery.Calls > asked + 1 ? "asked again" : null);
        Assert.That(api.Node("n1")!.Capacity[P + "nodes"], Is.EqualTo("3"), "a failed discovery keeps what was found");

        discovery.Outcome = DiscoveryOutcome.Absent("no red-box socket at /nowhere");
        var config = await EventuallyAsync(() => api.Node("n1") is { } n && !n.Capacity.ContainsKey(P + "nodes") ? n : null);
        Assert.That(config.Capacity.Keys.Where(k => k.StartsWith(P, StringComparison.Ordinal)), Is.EquivalentTo(new[] { P + "cpu" }));
        Assert.That(config.Labels[P + "site"], Is.EqualTo("a"));
    }

    [Test]
    public async Task Run_SomeoneElseChangesTheNode_ItsWatchBringsThePassLongBeforeTheResync()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.Combine("slurm"), "n1:\n  labels: {site: a}\n");
        var api = new FakeNodeApi();
        api.AddNode("n1");
        var nodes = new FakeWatchSource<V1Node>();
        nodes.SetList("1", new V1Node { Metadata = new V1ObjectMeta { Name = "n1", ResourceVersion = "1" } });
        await using var run = Start(api, dir, "n1", resync: TimeSpan.FromHours(1), nodeSource: nodes);
        await EventuallyAsync(() => api.Node("n1")!.Labels.GetValueOrDefault(P + "site"));
        var watch = await nodes.NextWatchAsync();

        await api.PatchLabelsAsync("n1", new Dictionary<string, string?> { [P + "site"] = null }, CancellationToken.None);
        watch.Send(WatchEventType.Modified, new V1Node { Metadata = new V1ObjectMeta { Name = "n1", ResourceVersion = "2" } }, "2");

        Assert.That(await EventuallyAsync(() => api.Node("n1")!.Labels.GetValueOrDefault(P + "site")), Is.EqualTo("a"));
    }

    private static Running Start(FakeNodeApi api, TempDirectory dir, string node, IResourceDiscovery? discovery = null, TimeSpan? resync = null,
        IWatchSource<V1Node>? nodeSource = null)
    {
        var watcher = new NodeConfigWatcher(dir.Combine("slurm"), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), NullLogger<NodeConfigWatcher>.Instance);
        var daemon = new ResourcedLoop(node, api, watcher, discovery, resync ?? TimeSpan.FromMilliseconds(200), NullLogger<ResourcedLoop>.Instance, nodeSource);
        var stop = new CancellationTokenSource();
        return new Running(daemon.RunAsync(stop.Token), stop);
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe, [CallerArgumentExpression(nameof(probe))] string what = "") =>
        (await Eventually.ValueAsync(() => Task.FromResult(probe()), value => value is not null, what, Patience, interval: TimeSpan.FromMilliseconds(20)))!;

    /// <summary>The running daemon; disposing stops it and surfaces any exception it ended with.</summary>
    private sealed class Running(Task run, CancellationTokenSource stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
            stop.Dispose();
        }
    }
}
