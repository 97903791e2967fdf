using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Kube;
using SlurmK8s.Resourced;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.Resourced;

/// <summary>A node the slurm-config does not list is told so loudly, once per config: it otherwise loses every slurm label in silence.</summary>
internal sealed class NodeConfigNoticeTests
{
    private const string File = "/etc/slurm-config/slurm";

    [Test]
    public void Describe_TheSeedsConfigOnAnotherNode_NamesTheNodeTheFileTheListedNameAndTheFix()
    {
        var message = NodeConfigNotice.Describe("worker-7", File, ["node01"]);

        Assert.That(message, Is.EqualTo("Node 'worker-7' is not in the Slurm config /etc/slurm-config/slurm (the slurm-config ConfigMap), which lists only 'node01': "
            + "it gets no slurm.sylabs.io labels or resources, so no SlurmJob can run here. Fix: add an entry named 'worker-7' to slurm-config "
            + "(or rename 'node01' if it was meant to be this node); see manifests/slurm-config.yaml"));
    }

    [Test]
    public void Describe_ManyOrNoNames_SaysWhatTheFileLists()
    {
        var many = NodeConfigNotice.Describe("n", File, Enumerable.Range(0, 12).Select(i => $"m{i:00}"));
        var none = NodeConfigNotice.Describe("n", File, []);

        Assert.That(many, Does.Contain("which lists 'm00', 'm01', 'm02', 'm03', 'm04', 'm05', 'm06', 'm07', 'm08', 'm09' and 2 more:"));
        Assert.That(none, Does.Contain("which lists no node:").And.Not.Contain("rename"));
    }

    [Test]
    public void Next_SameConfigAgain_WarnsOnce_AndAgainWhenTheNamesChange_AndNotOnceListed()
    {
        var notice = new NodeConfigNotice("worker-7", File);
        var seed = NodeConfig.Parse("node01:\n  resources: {cpu: 6}\n");

        var first = notice.Next(seed);
        var resync = notice.Next(NodeConfig.Parse("node01:\n  resources: {cpu: 6}\n"));
        var otherNames = notice.Next(NodeConfig.Parse("node01: {}\nnode02: {}\n"));
        var listed = notice.Next(NodeConfig.Parse("worker-7: {}\n"));
        var leftOutAgain = notice.Next(seed);

        Assert.That((first?.Type, first?.Reason), Is.EqualTo(((KubeEventType?)KubeEventType.Warning, NodeConfigNotice.Reason)));
        Assert.That(resync, Is.Null, "a resync or an unrelated edit says nothing new");
        Assert.That(otherNames?.Message, Does.Contain("'node01', 'node02'"));
        Assert.That(listed, Is.Null);
        Assert.That(leftOutAgain, Is.Not.Null, "left out again after being listed: told again");
    }

    [Test]
    public async Task Run_NodeNotInTheConfig_PostsOneWarningOnTheNodeAcrossResyncs()
    {
        using var dir = new TempDirectory();
        await System.IO.File.WriteAllTextAsync(dir.Combine("slurm"), "node01:\n  resources: {cpu: 6}\n");
        var api = new FakeNodeApi();
        api.AddNode("worker-7");
        var watcher = new NodeConfigWatcher(dir.Combine("slurm"), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), NullLogger<NodeConfigWatcher>.Instance);
        var daemon = new ResourcedLoop("worker-7", api, watcher, null, TimeSpan.FromMilliseconds(100), NullLogger<ResourcedLoop>.Instance);
        using var stop = new CancellationTokenSource();
        var run = daemon.RunAsync(stop.Token);

        var warning = await EventuallyAsync(() => api.Events.FirstOrDefault(e => e.Reason == NodeConfigNotice.Reason));
        await Task.Delay(500); // several resyncs
        await stop.CancelAsync();
        await run;

        Assert.That((warning.Type, warning.InvolvedObject.Kind, warning.InvolvedObject.Name, warning.InvolvedObject.Uid),
            Is.EqualTo((KubeEventType.Warning, "Node", "worker-7", "uid-worker-7")));
        Assert.That(warning.Message, Does.Contain("'worker-7' is not in the Slurm config " + dir.Combine("slurm")).And.Contain("lists only 'node01'"));
        Assert.That(api.Events.Count(e => e.Reason == NodeConfigNotice.Reason), Is.EqualTo(1));
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe, [CallerArgumentExpression(nameof(probe))] string what = "") =>
        (await Eventually.ValueAsync(() => Task.FromResult(probe()), value => value is not null, what, TimeSpan.FromSeconds(10), interval: TimeSpan.FromMilliseconds(20)))!;
}
