using System.Globalization;
using System.Net;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Resourced;
using SlurmK8s.Tests.Builders;
using SlurmK8s.Tests.Manifests;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// `slurmk8s operator` and `slurmk8s resourced` as processes against the real API server, as they are deployed: under
/// ./build.sh test that is the published Native AOT binary (SLURMK8S_BIN), so JSON, YAML, HTTP and signals are proven
/// there; without it, this build through `dotnet`.
/// </summary>
[Category("Integration")]
[NonParallelizable]
internal sealed class KubernetesRolesProcessTests
{
    private const string LeaseName = "slurm-operator";
    private static readonly TimeSpan Stopping = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Operator_WithLeaderElection_CreatesTheCompanionPodServesHealthAndMetricsAndReleasesTheLeaseOnSigterm()
    {
        await SlurmJobCrd.EnsureInstalledAsync();
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client, "aotop");
        var identity = "aot-operator-" + Guid.NewGuid().ToString("N")[..8];
        var port = Ports.Unused();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var operatorProcess = SlurmK8sProcess.Start("operator",
        [
            "--kubeconfig", RealApiServer.KubeconfigPath, "--namespace", ns, "--companion-image", "slurmk8s:test",
            "--health-port", port.ToString(CultureInfo.InvariantCulture), "--leader-election-namespace", ns, "--log-format", "text",
            .. OperatorManifest.ResultsVolumeArgs,   // hello.yaml's hostPath is allowed as the manifest allows it
        ], new SlurmK8sProcessOptions { Environment = new Dictionary<string, string> { ["POD_NAME"] = identity } });

        var lease = await Eventually.ValueAsync(() => LeaseOrNullAsync(client, ns), l => l?.Spec.HolderIdentity == identity, $"the Lease held by {identity}");
        await Eventually.TrueAsync(async () => await StatusOfAsync(http, "/readyz") == HttpStatusCode.OK, "/readyz answers 200");

        var job = Samples.Read("hello.yaml");
        job.Metadata.NamespaceProperty = ns;
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<SlurmJob>(job, SlurmJob.Group, SlurmJob.Version, ns, SlurmJob.Plural);
        var pod = await Eventually.ValueAsync(() => PodOrNullAsync(client, ns, "hello-job"), p => p is not null, "the companion pod hello-job");

        var owner = pod!.Metadata.OwnerReferences.Single();
        Assert.That((owner.Kind, owner.Name, owner.Uid, owner.Controller), Is.EqualTo((SlurmJob.KindName, "hello", created.Metadata.Uid, (bool?)true)));
        Assert.That(pod.Spec.Containers.Single().Image, Is.EqualTo("slurmk8s:test"));
        await Eventually.TrueAsync(async () => (await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=hello")).Items
            .Any(e => e.Reason == "CreatedPod"), "a CreatedPod event on the SlurmJob");
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.That(metrics, Does.Contain("slurmk8s_operator_reconciles_total"));
        Assert.That(metrics, Does.Contain("slurmk8s_operator_leader 1"));

        Assert.That(await operatorProcess.StopAsync(Stopping), Is.Zero, operatorProcess.StandardError);
        var released = await client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, ns);
        Assert.That(released.Spec.HolderIdentity, Is.Null.Or.Empty, "a clean stop hands the lease over at once");
        Assert.That(released.Spec.LeaseTransitions, Is.EqualTo(lease!.Spec.LeaseTransitions), "released, not taken by another");
    }

    [Test]
    public async Task Resourced_LabelsTheNodeAndSetsItsResourcesThenStopsOnSigterm()
    {
        await RealApiServer.EnsureUpAsync();
        using var client = RealApiServer.CreateClient();
        var node = await ResourcedOnRealApiServerTests.CreateNodeAsync(client);
        using var dir = new TempDirectory();
        try
        {
            await File.WriteAllTextAsync(dir.Combine("slurm"), $"{node}:\n  resources:\n    cpu: 4\n    mem: 8Gi\n  labels:\n    cuda: \"11.2\"\n");
            using var resourced = SlurmK8sProcess.Start("resourced",
                ["--kubeconfig", RealApiServer.KubeconfigPath, "--node-name", node, "--slurm-config", dir.Path, "--log-format", "text"]);

            var labelled = await ResourcedOnRealApiServerTests.EventuallyAsync(client, node, "the workload-manager label, cuda, cpu and mem", n =>
                ResourcedOnRealApiServerTests.Label(n, "workload-manager") == "slurm" && ResourcedOnRealApiServerTests.Label(n, "cuda") == "11.2"
                && ResourcedOnRealApiServerTests.Capacity(n, "cpu") == "4" && ResourcedOnRealApiServerTests.Allocatable(n, "cpu") == "4"
                && ResourcedOnRealApiServerTests.Capacity(n, "mem") == "8Gi" && ResourcedOnRealApiServerTests.Allocatable(n, "mem") == "8Gi");
            Assert.That(labelled.Metadata.Labels["kubernetes.io/hostname"], Is.EqualTo(node), "labels that are not ours stay");
            await Eventually.TrueAsync(async () => (await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={node}")).Items
                .Any(e => e.Reason == "SlurmConfigApplied" && e.ReportingComponent == ResourcedLoop.Component), "a SlurmConfigApplied event on the node");

            Assert.That(await resourced.StopAsync(Stopping), Is.Zero, resourced.StandardError);
        }
        finally
        {
            await ResourcedOnRealApiServerTests.DeleteNodeAsync(client, node);
        }
    }

    private static async Task<HttpStatusCode?> StatusOfAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    private static async Task<V1Lease?> LeaseOrNullAsync(Kubernetes client, string ns) =>
        (await client.CoordinationV1.ListNamespacedLeaseAsync(ns, fieldSelector: $"metadata.name={LeaseName}")).Items.SingleOrDefault();

    private static async Task<V1Pod?> PodOrNullAsync(Kubernetes client, string ns, string name) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: $"metadata.name={name}")).Items.SingleOrDefault();
}
