using k8s;
using k8s.Models;
using SlurmK8s.Resourced;
using SlurmK8s.Tests.Resourced;

namespace SlurmK8s.Tests.Integration;

/// <summary>resourced in this process against the real API server, on a Node object of its own, following a kubelet-style ConfigMap directory.</summary>
[Category("Integration")]
internal sealed class ResourcedOnRealApiServerTests
{
    private const string P = "slurm.sylabs.io/";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Resourced_FollowsTheConfig_AddsChangesAndRemovesLabelsAndResources_AndKeepsTheLastGoodOnABadFile()
    {
        await RealApiServer.EnsureUpAsync();
        using var client = RealApiServer.CreateClient();
        var node = await CreateNodeAsync(client);
        using var dir = new TempDirectory();
        var configMap = new KubeletConfigMapDirectory(dir.Path);
        using var stop = new CancellationTokenSource();
        try
        {
            // The seed's example, for this node.
            await configMap.WriteAsync($"{node}:\n  resources:\n    cpu: 24\n  labels:\n    cuda: 10.0\n    containers: singularity\n");
            var daemon = ResourcedCommand.RunAsync(Options(dir.Path, node), stop.Token);

            await EventuallyAsync(client, node, "the seed's labels and cpu", n =>
                Label(n, "cuda") == "10.0" && Label(n, "containers") == "singularity" && Label(n, "workload-manager") == "slurm"
                && Capacity(n, "cpu") == "24" && Allocatable(n, "cpu") == "24");

            await configMap.WriteAsync($"{node}:\n  resources:\n    cpu: 32\n    mem: 64Gi\n  labels:\n    cuda: 11.2\nother-node:\n  resources: {{cpu: 1}}\n");
            var changed = await EventuallyAsync(client, node, "cuda 11.2, cpu 32, mem 64Gi, containers gone", n =>
                Label(n, "cuda") == "11.2" && Label(n, "containers") is null && Capacity(n, "cpu") == "32" && Allocatable(n, "cpu") == "32"
                && Capacity(n, "mem") == "64Gi" && Allocatable(n, "mem") == "64Gi");
            Assert.That(changed.Metadata.Labels["kubernetes.io/hostname"], Is.EqualTo(node), "labels that are not ours stay");
            Assert.That(changed.Status.Capacity["pods"].ToString(), Is.EqualTo("110"), "resources that are not ours stay");

            await configMap.WriteAsync($"{node}:\n  resources:\n    cpu: lots\n");
            var warning = await EventuallyWarningAsync(client, node, "BadSlurmConfig");
            Assert.That(warning.Message, Does.Contain($"{node}: resources.cpu: 'lots'").And.Contain("keeping the last good config"));
            Assert.That(warning.InvolvedObject.Kind, Is.EqualTo("Node"));
            var kept = await client.CoreV1.ReadNodeAsync(node);
            Assert.That((Label(kept, "cuda"), Capacity(kept, "cpu"), Capacity(kept, "mem")), Is.EqualTo(("11.2", "32", "64Gi")), "the last good config stays");

            // The node leaves the config: everything of ours goes, workload-manager too.
            await configMap.WriteAsync("other-node:\n  resources: {cpu: 1}\n");
            var removed = await EventuallyAsync(client, node, "nothing of ours left", n =>
                !(n.Metadata.Labels ?? new Dictionary<string, string>()).Keys.Any(k => k.StartsWith(P, StringComparison.Ordinal))
                && !n.Status.Capacity.Keys.Any(k => k.StartsWith(P, StringComparison.Ordinal))
                && !n.Status.Allocatable.Keys.Any(k => k.StartsWith(P, StringComparison.Ordinal)));
            Assert.That(removed.Metadata.Labels["kubernetes.io/hostname"], Is.EqualTo(node));

            await stop.CancelAsync();
            Assert.That(await daemon, Is.Zero);
        }
        finally
        {
            await DeleteNodeAsync(client, node);
        }
    }

    [Test]
    public async Task Resourced_FileMissingAtStart_WaitsThenApplies_AndRestoresWhatSomeoneElseRemoved()
    {
        await RealApiServer.EnsureUpAsync();
        using var client = RealApiServer.CreateClient();
        var node = await CreateNodeAsync(client);
        using var dir = new TempDirectory();
        using var stop = new CancellationTokenSource();
        try
        {
            var daemon = ResourcedCommand.RunAsync(Options(dir.Path, node) with { ResyncInterval = TimeSpan.FromSeconds(1) }, stop.Token);
            await Task.Delay(500);
            Assert.That(Label(await client.CoreV1.ReadNodeAsync(node), "workload-manager"), Is.Null, "nothing is applied without a file");

            await new KubeletConfigMapDirectory(dir.Path).WriteAsync($"{node}:\n  resources: {{gpu: 2}}\n  labels: {{infiniband: \"yes\"}}\n");
            await EventuallyAsync(client, node, "the config applied", n => Label(n, "infiniband") == "yes" && Capacity(n, "gpu") == "2");

            // Someone else removes our label and resource: resourced's watch on its Node (or else the next resync) puts them back.
            // The removal shows in the patches' answers: resourced may already have undone it by the time we could read the Node.
            var unlabelled = await client.CoreV1.PatchNodeAsync(new V1Patch("{\"metadata\":{\"labels\":{\"" + P + "infiniband\":null}}}", V1Patch.PatchType.MergePatch), node);
            var unresourced = await client.CoreV1.PatchNodeStatusAsync(new V1Patch("{\"status\":{\"capacity\":{\"" + P + "gpu\":null}}}", V1Patch.PatchType.MergePatch), node);
            Assert.That((Label(unlabelled, "infiniband"), Capacity(unresourced, "gpu")), Is.EqualTo(((string?)null, (string?)null)), "the removal took");
            await EventuallyAsync(client, node, "label and resource restored", n => Label(n, "infiniband") == "yes" && Capacity(n, "gpu") == "2");

            await stop.CancelAsync();
            Assert.That(await daemon, Is.Zero);
        }
        finally
        {
            await DeleteNodeAsync(client, node);
        }
    }

    internal static ResourcedOptions Options(string configDirectory, string node) => new()
    {
        ConfigDirectory = configDirectory,
        NodeName = node,
        Kubeconfig = RealApiServer.KubeconfigPath,
        HealthPort = 0,   // any free port: tests run side by side
        JsonLogs = false,
    };

    /// <summary>A Node object of this test's own (Nodes are cluster-wide), with a hostname label and the capacity a kubelet would report.</summary>
    internal static async Task<string> CreateNodeAsync(Kubernetes client)
    {
        var name = "rd-" + Guid.NewGuid().ToString("N")[..12];
        await client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
        });
        await client.CoreV1.PatchNodeStatusAsync(new V1Patch("""{"status":{"capacity":{"cpu":"2","pods":"110"},"allocatable":{"cpu":"2","pods":"110"}}}""",
            V1Patch.PatchType.MergePatch), name);
        return name;
    }

    internal static async Task DeleteNodeAsync(Kubernetes client, string node)
    {
        await client.CoreV1.DeleteNodeAsync(node);
        var events = await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={node}");
        foreach (var e in events.Items)
        {
            await client.CoreV1.DeleteNamespacedEventAsync(e.Metadata.Name, "default");
        }
    }

    internal static Task<V1Node> EventuallyAsync(Kubernetes client, string node, string what, Func<V1Node, bool> done) =>
        Eventually.ValueAsync(() => client.CoreV1.ReadNodeAsync(node), done, $"node {node} shows {what}", Patience,
            n => $"labels {Show(n.Metadata.Labels)}; capacity {Show(n.Status?.Capacity)}; allocatable {Show(n.Status?.Allocatable)}");

    private static async Task<Corev1Event> EventuallyWarningAsync(Kubernetes client, string node, string reason)
    {
        var events = await Eventually.ValueAsync(() => client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={node},reason={reason}"),
            list => list.Items.Any(e => e.Type == "Warning"), $"a Warning {reason} event on node {node}", Patience);
        return events.Items.First(e => e.Type == "Warning");
    }

    internal static string? Label(V1Node node, string name) => node.Metadata.Labels?.TryGetValue(P + name, out var v) == true ? v : null;

    internal static string? Capacity(V1Node node, string name) => node.Status?.Capacity?.TryGetValue(P + name, out var q) == true ? q.ToString() : null;

    internal static string? Allocatable(V1Node node, string name) => node.Status?.Allocatable?.TryGetValue(P + name, out var q) == true ? q.ToString() : null;

    private static string Show<T>(IDictionary<string, T>? map) =>
        map is null ? "(none)" : string.Join(", ", map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
