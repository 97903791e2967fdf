using System.Diagnostics;
using k8s;
using k8s.Models;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>
/// Editing the slurm-config ConfigMap reaches the node: the kubelet refreshes the mounted file on its sync
/// (scripts/cluster.sh sets syncFrequency to 10 s), and resourced re-labels the node and re-sets its capacity.
/// </summary>
[Category("EndToEnd")]
[NonParallelizable]
internal sealed class NodeConfigChangeTests
{
    // The kubelet's sync period plus its ConfigMap cache: ~10-20 s here; a minute or more with the defaults.
    private static readonly TimeSpan KubeletRefresh = TimeSpan.FromSeconds(120);

    [Test]
    public async Task ChangingTheConfigMap_ChangesTheNodesLabelsAndCapacity()
    {
        await LocalCluster.EnsureReadyAsync();
        using var client = LocalCluster.CreateClient();
        var node = LocalCluster.NodeName;
        var original = (await client.CoreV1.ReadNamespacedConfigMapAsync("slurm-config", LocalCluster.SystemNamespace)).Data["config"];
        var changed = $"""
            {node}:
              resources:
                cpu: 4
                gpu: 2
              labels:
                e2e: changed
            """;
        try
        {
            var clock = Stopwatch.StartNew();
            await PatchConfigAsync(client, changed);

            var updated = await Eventually.ValueAsync(() => client.CoreV1.ReadNodeAsync(node),
                n => n.Metadata.Labels.TryGetValue("slurm.sylabs.io/e2e", out var v) && v == "changed" && Capacity(n, "cpu") == 4m, "the node following the changed ConfigMap",
                KubeletRefresh, JobNamespace.Describe);
            await TestContext.Progress.WriteLineAsync($"EndToEnd: ConfigMap change reached node {node} after {clock.Elapsed.TotalSeconds:F1} s");

            Assert.That(Capacity(updated, "gpu"), Is.EqualTo(2m), "a resource the config adds");
            Assert.That(updated.Status.Allocatable["slurm.sylabs.io/cpu"].ToDecimal(), Is.EqualTo(4m));
            Assert.That(Capacity(updated, "mem"), Is.Null, "a resource the config no longer names is removed");
            Assert.That(updated.Metadata.Labels.Keys, Does.Not.Contain("slurm.sylabs.io/containers"), "a label the config no longer names is removed");
            Assert.That(updated.Metadata.Labels["slurm.sylabs.io/workload-manager"], Is.EqualTo("slurm"));
        }
        finally
        {
            await PatchConfigAsync(client, original);
            await Eventually.ValueAsync(() => client.CoreV1.ReadNodeAsync(node),
                n => !n.Metadata.Labels.ContainsKey("slurm.sylabs.io/e2e") && Capacity(n, "gpu") is null, "the node back on the installed ConfigMap", KubeletRefresh, JobNamespace.Describe);
        }
    }

    private static decimal? Capacity(V1Node node, string resource) =>
        node.Status.Capacity.TryGetValue("slurm.sylabs.io/" + resource, out var quantity) ? quantity.ToDecimal() : null;

    private static Task<V1ConfigMap> PatchConfigAsync(Kubernetes client, string config)
    {
        var patch = new V1Patch(KubernetesJson.Serialize(new V1ConfigMap { Data = new Dictionary<string, string> { ["config"] = config } }), V1Patch.PatchType.MergePatch);
        return client.CoreV1.PatchNamespacedConfigMapAsync(patch, "slurm-config", LocalCluster.SystemNamespace);
    }
}
