using System.Diagnostics;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Tests.Manifests;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// Two operator replicas, as processes against the real API server: the leader is killed (SIGKILL: no Lease released)
/// while SlurmJobs are in flight; the standby takes the Lease once it expires and carries on. Nothing is created or
/// announced twice. No kubelet runs: the test plays the companions (it writes status.slurm as they would).
/// </summary>
[Category("Integration")]
[NonParallelizable]
internal sealed class OperatorFailoverTests
{
    private const string LeaseName = "slurm-operator";
    private const int Jobs = 12;
    // client-go's defaults, which the operator keeps: a lease of 15 s, tried every 2 s.
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(2);

    [Test]
    public async Task LeaderKilledMidRun_StandbyTakesOverWithinTheLeaseTime_AndNothingIsDuplicated()
    {
        await SlurmJobCrd.EnsureInstalledAsync();
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client, "failover");
        using var first = StartReplica(ns, "replica-a");
        var leader = await Eventually.ValueAsync(() => HolderAsync(client, ns), h => h == "replica-a", "replica-a holds the Lease");
        using var second = StartReplica(ns, "replica-b");

        for (var i = 0; i < Jobs; i++)
        {
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(Job($"job-{i}", ns), SlurmJob.Group, SlurmJob.Version, ns, SlurmJob.Plural);
        }
        // Mid-run: some jobs have their companion pod and a Slurm job, the rest are still to be seen.
        await Eventually.TrueAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count >= Jobs / 2, "half the companion pods");
        for (var i = 0; i < Jobs / 2; i++)
        {
            await PlayCompanionAsync(client, ns, $"job-{i}", 100 + i, "RUNNING");
        }

        var killed = Stopwatch.StartNew();
        first.Process.Kill();
        await Eventually.ValueAsync(() => HolderAsync(client, ns), h => h == "replica-b", "replica-b takes the Lease", LeaseDuration * 3);
        var takeover = killed.Elapsed;
        TestContext.Out.WriteLine($"standby took the Lease {takeover.TotalSeconds:F1} s after the leader was killed (lease {LeaseDuration.TotalSeconds} s, retry {RetryPeriod.TotalSeconds} s)");

        for (var i = 0; i < Jobs; i++)
        {
            await Eventually.TrueAsync(async () => (await PodOrNullAsync(client, ns, $"job-{i}-job")) is not null, $"job-{i}'s companion pod");
            await PlayCompanionAsync(client, ns, $"job-{i}", 100 + i, "COMPLETED");
        }
        for (var i = 0; i < Jobs; i++)
        {
            var name = $"job-{i}";
            await Eventually.TrueAsync(async () => (await GetAsync(client, ns, name)).Status?.Phase == SlurmJobPhase.Succeeded, $"{name} Succeeded");
        }

        Assert.That(takeover, Is.LessThanOrEqualTo(LeaseDuration + RetryPeriod * 2 + TimeSpan.FromSeconds(3)), "within the lease time and a retry or two");
        var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.That(pods.Select(p => p.Metadata.Name), Is.EquivalentTo(Enumerable.Range(0, Jobs).Select(i => $"job-{i}-job")), "one companion pod per SlurmJob");
        var events = (await client.CoreV1.ListNamespacedEventAsync(ns)).Items;
        foreach (var reason in new[] { "CreatedPod", SlurmJobPhase.Succeeded })
        {
            var perJob = events.Where(e => e.Reason == reason).GroupBy(e => e.InvolvedObject.Name).ToDictionary(g => g.Key, g => g.Sum(e => e.Count ?? 1));
            Assert.That(perJob.Keys, Is.EquivalentTo(Enumerable.Range(0, Jobs).Select(i => $"job-{i}")), $"a {reason} event for every job");
            Assert.That(perJob.Values, Is.All.EqualTo(1), $"{reason} announced once per job, across the two replicas");
        }
        Assert.That(await second.StopAsync(TimeSpan.FromSeconds(20)), Is.Zero, second.StandardError);
    }

    private static SlurmK8sProcess StartReplica(string ns, string identity) => SlurmK8sProcess.Start("operator",
    [
        "--kubeconfig", RealApiServer.KubeconfigPath, "--namespace", ns, "--companion-image", "slurmk8s:test", "--health-port", "-1",
        "--leader-election-namespace", ns, "--log-format", "text",
    ], new SlurmK8sProcessOptions { Environment = new Dictionary<string, string> { ["POD_NAME"] = identity } });

    private static SlurmJob Job(string name, string ns) => new()
    {
        ApiVersion = SlurmJob.ApiVersionName,
        Kind = SlurmJob.KindName,
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new SlurmJobSpec { Batch = "#!/bin/sh\necho hello\n" },
    };

    /// <summary>What a companion writes: status.slurm, as a merge patch of its own field.</summary>
    private static async Task PlayCompanionAsync(Kubernetes client, string ns, string name, long jobId, string state)
    {
        var slurm = new System.Text.Json.Nodes.JsonObject { ["jobId"] = jobId, ["state"] = state };
        if (state == "COMPLETED")
        {
            slurm["exitCode"] = 0;
        }
        var patch = new System.Text.Json.Nodes.JsonObject { ["status"] = new System.Text.Json.Nodes.JsonObject { ["slurm"] = slurm } };
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            SlurmJob.Group, SlurmJob.Version, ns, SlurmJob.Plural, name);
    }

    private static async Task<SlurmJob> GetAsync(Kubernetes client, string ns, string name) =>
        await client.CustomObjects.GetNamespacedCustomObjectAsync<SlurmJob>(SlurmJob.Group, SlurmJob.Version, ns, SlurmJob.Plural, name);

    private static async Task<string?> HolderAsync(Kubernetes client, string ns) =>
        (await client.CoordinationV1.ListNamespacedLeaseAsync(ns, fieldSelector: $"metadata.name={LeaseName}")).Items.SingleOrDefault()?.Spec.HolderIdentity;

    private static async Task<V1Pod?> PodOrNullAsync(Kubernetes client, string ns, string name) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: $"metadata.name={name}")).Items.SingleOrDefault();
}
