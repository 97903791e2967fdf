using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Integration;
using SlurmK8s.Tests.Manifests;

namespace SlurmK8s.Tests.Kube;

/// <summary>KubeApi against the run's real kube-apiserver: the contract the fake shares, and what only the real server can show.</summary>
[Category("Integration")]
internal sealed class KubeApiTests : KubeApiContract
{
    private Kubernetes _client = null!;
    private KubeClient _kubeClient = null!;
    private KubeApi _kube = null!;
    private string _ns = null!;

    [OneTimeSetUp]
    public Task StartApiServer() => SlurmJobCrd.EnsureInstalledAsync();

    [SetUp]
    public async Task NewNamespace()
    {
        _client = RealApiServer.CreateClient();
        _kubeClient = RealApiServer.CreateKubeClient();
        _kube = new KubeApi(_kubeClient, "kube-api-tests");
        _ns = await RealApiServer.NewNamespaceAsync(_client, "kube");
    }

    [TearDown]
    public void DisposeClient()
    {
        _client.Dispose();
        _kubeClient.Dispose();
        _kubeClient.Dispose();
    }

    protected override IKubeApi Api => _kube;

    protected override string Ns => _ns;

    protected override async Task<SlurmJob> CreateSlurmJobAsync(string name, params string[] finalizers) =>
        await _client.CustomObjects.CreateNamespacedCustomObjectAsync<SlurmJob>(NewJob(name, _ns, finalizers), SlurmJob.Group, SlurmJob.Version, _ns, SlurmJob.Plural);

    protected override Task DeleteSlurmJobAsync(string name) =>
        _client.CustomObjects.DeleteNamespacedCustomObjectAsync(SlurmJob.Group, SlurmJob.Version, _ns, SlurmJob.Plural, name);

    protected override async Task<IReadOnlyList<(string Type, string Reason, string Message, string Kind, string Name, string Component)>> EventsAboutAsync(string uid) =>
        (await _client.CoreV1.ListNamespacedEventAsync(_ns, fieldSelector: $"involvedObject.uid={uid}")).Items
            .Select(e => (e.Type, e.Reason, e.Message, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.ReportingComponent)).ToList();

    [Test]
    public async Task CreatePod_WhenTheApiServerRejectsIt_ThrowsWithTheServersWords()
    {
        var pod = Pod(_ns, "bad", "app", "x");
        pod.Spec.Containers.Clear();

        var error = await Assert.ThrowsAsync<KubeApiException>(() => _kube.CreatePodAsync(pod, CancellationToken.None));

        Assert.That(error!.StatusCode, Is.EqualTo(422));
        Assert.That(error.Message, Does.Contain("spec.containers: Required value"));
    }

    [Test]
    public async Task CreateEvent_PostsAnEventKubectlDescribeWouldShow()
    {
        var job = await CreateSlurmJobAsync(_client, _ns, "cow");

        await _kube.CreateEventAsync(new KubeEvent(ObjectReferences.For(job), KubeEventType.Warning, "SubmitRefused", "sbatch: error: Invalid partition name specified", "slurmk8s-companion"), CancellationToken.None);

        var refused = (await _client.CoreV1.ListNamespacedEventAsync(_ns, fieldSelector: $"involvedObject.uid={job.Metadata.Uid}")).Items.Single();
        Assert.That(refused.Source.Component, Is.EqualTo("slurmk8s-companion"));
        Assert.That(refused.ReportingInstance, Is.EqualTo("kube-api-tests"));
        Assert.That(refused.Count, Is.EqualTo(1));
        Assert.That(refused.Metadata.Name, Does.StartWith("cow."));
    }

    [Test]
    public async Task CreateEvent_WithAMessageOverOneKilobyte_PostsItCutShort()
    {
        var job = await CreateSlurmJobAsync(_client, _ns, "cow");

        await _kube.CreateEventAsync(new KubeEvent(ObjectReferences.For(job), KubeEventType.Warning, "Failed", new string('x', 5000), "slurmk8s-companion"), CancellationToken.None);

        var posted = (await _client.CoreV1.ListNamespacedEventAsync(_ns, fieldSelector: $"involvedObject.uid={job.Metadata.Uid}")).Items.Single();
        Assert.That(posted.Message, Has.Length.EqualTo(KubeApi.MaxEventMessage).And.EndsWith("..."));
    }

    [Test]
    public async Task CreateEvent_ForANode_LandsInTheDefaultNamespace()
    {
        var name = $"kube-event-test-{Guid.NewGuid():N}"[..30];
        var node = await _client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } });
        try
        {
            await _kube.CreateEventAsync(new KubeEvent(ObjectReferences.For(node.Metadata, "v1", "Node"), KubeEventType.Warning, "BadSlurmConfig", "cpu: quantity 'x' is not valid", "slurmk8s-resourced"), CancellationToken.None);

            var events = (await _client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={name}")).Items;
            Assert.That(events.Single().Reason, Is.EqualTo("BadSlurmConfig"));
        }
        finally
        {
            await _client.CoreV1.DeleteNodeAsync(name);
        }
    }

    internal static async Task<SlurmJob> CreateSlurmJobAsync(Kubernetes client, string ns, string name) =>
        await client.CustomObjects.CreateNamespacedCustomObjectAsync<SlurmJob>(NewJob(name, ns), SlurmJob.Group, SlurmJob.Version, ns, SlurmJob.Plural);

}
