using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime.LeaderElection;
using SlurmK8s.Kube;
using SlurmK8s.Resourced;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.Kube;

/// <summary>
/// The requests KubeApi, KubeNodeApi and KubernetesLeaseClient send through <see cref="KubeHttp"/> (method, path,
/// content type, body) and how they read the real API server's answers (Fixtures/kube), against a stub at the end of
/// the KubeClient's pipeline. The same calls run against the real API server in KubeApiTests and the lease tests.
/// </summary>
internal sealed class KubeHttpTests
{
    private const string MergePatch = "application/merge-patch+json; charset=utf-8";
    private const string Json = "application/json; charset=utf-8";

    [Test]
    public async Task GetPod_ReadsTheServersPodAndAsksWithTheToken()
    {
        var stub = Answering(HttpStatusCode.OK, Fixture("pod.json"));
        using var client = Client(stub);

        var pod = await new KubeApi(client).GetPodAsync("fx", "cow-companion", CancellationToken.None);

        Assert.That(pod!.Spec.Containers.Single().Resources.Requests["cpu"].ToString(), Is.EqualTo("100m"));
        var request = stub.Requests.Single();
        Assert.That((request.Method, request.Uri.PathAndQuery, request.Authorization, request.Body), Is.EqualTo((HttpMethod.Get, "/api/v1/namespaces/fx/pods/cow-companion", "Bearer t0ken", (string?)null)));
    }

    [Test]
    public async Task GetPod_WhenTheServerSaysNotFound_IsNull()
    {
        using var client = Client(Answering(HttpStatusCode.NotFound, Fixture("status-404.json")));

        Assert.That(await new KubeApi(client).GetPodAsync("fx", "absent", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task CreatePod_PostsThePodAsKubernetesJsonWroteIt()
    {
        var stub = Answering(HttpStatusCode.Created, Fixture("pod.json"));
        using var client = Client(stub);
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "cow-companion", NamespaceProperty = "fx" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") } } }] },
        };

        var result = await new KubeApi(client).CreatePodAsync(pod, CancellationToken.None);

        Assert.That(result, Is.EqualTo(CreateResult.Created));
        var request = stub.Requests.Single();
        Assert.That((request.Method, request.Uri.PathAndQuery, request.ContentType), Is.EqualTo((HttpMethod.Post, "/api/v1/namespaces/fx/pods", Json)));
        Assert.That(request.Body, Is.EqualTo(KubernetesJson.Serialize(pod)));
        Assert.That(request.Body, Is.EqualTo("""{"metadata":{"name":"cow-companion","namespace":"fx"},"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"1"}}}]}}"""));
    }

    [Test]
    public async Task CreatePod_WhenTheServerSaysAlreadyExists_SaysSo()
    {
        using var client = Client(Answering(HttpStatusCode.Conflict, Fixture("status-409.json")));
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "cow-companion", NamespaceProperty = "fx" } };

        Assert.That(await new KubeApi(client).CreatePodAsync(pod, CancellationToken.None), Is.EqualTo(CreateResult.AlreadyExists));
    }

    [Test]
    public async Task CreatePod_WhenTheServerForbidsIt_KeepsItsOwnWordsApartFromWhatThisClientAdds()
    {
        const string Said = "pods \"cow-companion\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1";
        using var client = Client(Answering(HttpStatusCode.Forbidden, $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{Said.Replace("\"", "\\\"", StringComparison.Ordinal)}}","reason":"Forbidden","code":403}"""));
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "cow-companion", NamespaceProperty = "fx" } };

        var error = await Assert.ThrowsAsync<KubeApiException>(() => new KubeApi(client).CreatePodAsync(pod, CancellationToken.None));

        Assert.That((error!.StatusCode, error.ServerMessage), Is.EqualTo((403, Said)));
        Assert.That(error.Message, Does.Contain("fx/cow-companion").And.Contain(Said).And.EndWith("(HTTP 403)"));
    }

    [Test]
    public async Task PatchStatus_SendsAMergePatchOfTheSetFieldsWithThePreconditionAndReadsTheJobBack()
    {
        var stub = Answering(HttpStatusCode.OK, """{"apiVersion":"slurm.sylabs.io/v1alpha1","kind":"SlurmJob","metadata":{"name":"cow","namespace":"fx","resourceVersion":"8"},"status":{"phase":"Running"}}""");
        using var client = Client(stub);

        var job = await new KubeApi(client).PatchSlurmJobStatusAsync("fx", "cow", new SlurmJobStatus { Phase = SlurmJobPhase.Running, PodName = "cow-companion" }, "7",
            CancellationToken.None);

        Assert.That((job.Metadata.ResourceVersion, job.Status!.Phase), Is.EqualTo(("8", SlurmJobPhase.Running)));
        var request = stub.Requests.Single();
        Assert.That((request.Method, request.Uri.PathAndQuery, request.ContentType),
            Is.EqualTo((HttpMethod.Patch, "/apis/slurm.sylabs.io/v1alpha1/namespaces/fx/slurmjobs/cow/status", MergePatch)));
        Assert.That(request.Body, Is.EqualTo("""{"metadata":{"resourceVersion":"7"},"status":{"phase":"Running","podName":"cow-companion"}}"""));
    }

    [Test]
    public async Task PatchStatus_WithAJsonObject_SendsItAsItIsNullsIncluded()
    {
        var stub = Answering(HttpStatusCode.OK, """{"metadata":{"name":"cow"}}""");
        using var client = Client(stub);

        await new KubeApi(client).PatchSlurmJobStatusAsync("fx", "cow", new JsonObject { ["slurm"] = new JsonObject { ["reason"] = null } }, CancellationToken.None);

        Assert.That(stub.Requests.Single().Body, Is.EqualTo("""{"status":{"slurm":{"reason":null}}}"""));
    }

    [Test]
    public async Task PatchStatus_WhenTheServerRefusesIt_ThrowsItsWords()
    {
        using var client = Client(Answering(HttpStatusCode.UnprocessableEntity, Fixture("status-422.json")));

        var error = await Assert.ThrowsAsync<KubeApiException>(() => new KubeApi(client).PatchSlurmJobStatusAsync("fx", "cow", new JsonObject(), CancellationToken.None));

        Assert.That((error!.StatusCode, error.Reason, error.IsRejection), Is.EqualTo((422, "Invalid", true)));
        Assert.That(error.Message, Does.StartWith("patch status of SlurmJob fx/cow: Pod \"cow-companion\" is invalid").And.EndWith("(HTTP 422)"));
    }

    [Test]
    public async Task SetFinalizers_PatchesTheMetadataWithThePrecondition()
    {
        var stub = Answering(HttpStatusCode.OK, """{"metadata":{"name":"cow","finalizers":["a"]}}""");
        using var client = Client(stub);

        var job = await new KubeApi(client).SetSlurmJobFinalizersAsync("fx", "cow", ["a"], "3", CancellationToken.None);

        Assert.That(job.Metadata.Finalizers, Is.EqualTo(new[] { "a" }));
        var request = stub.Requests.Single();
        Assert.That((request.Method, request.Uri.PathAndQuery, request.ContentType, request.Body),
            Is.EqualTo((HttpMethod.Patch, "/apis/slurm.sylabs.io/v1alpha1/namespaces/fx/slurmjobs/cow", MergePatch, """{"metadata":{"finalizers":["a"],"resourceVersion":"3"}}""")));
    }

    [TestCase("5", """{"preconditions":{"resourceVersion":"5"}}""")]
    [TestCase(null, null)]
    public async Task DeletePod_SendsThePreconditionOnlyWhenGiven(string? resourceVersion, string? body)
    {
        var stub = Answering(HttpStatusCode.OK, Fixture("pod.json"));
        using var client = Client(stub);

        Assert.That(await new KubeApi(client).DeletePodAsync("fx", "cow-companion", CancellationToken.None, resourceVersion), Is.True);

        var request = stub.Requests.Single();
        Assert.That((request.Method, request.Uri.PathAndQuery, request.Body), Is.EqualTo((HttpMethod.Delete, "/api/v1/namespaces/fx/pods/cow-companion", body)));
    }

    [Test]
    public async Task DeletePod_WhenThePreconditionFails_IsFalse()
    {
        using var client = Client(Answering(HttpStatusCode.Conflict, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"precondition failed","reason":"Conflict","code":409}"""));

        Assert.That(await new KubeApi(client).DeletePodAsync("fx", "cow-companion", CancellationToken.None, "5"), Is.False);
    }

    [Test]
    public async Task CreateEvent_PostsItToItsNamespace()
    {
        var stub = Answering(HttpStatusCode.Created, Fixture("event.json"));
        using var client = Client(stub);
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 3, 9, 0, 3, TimeSpan.Zero));
        var involved = new V1ObjectReference { ApiVersion = "slurm.sylabs.io/v1alpha1", Kind = "SlurmJob", Name = "cow", NamespaceProperty = "fx" };

        await new KubeApi(client, "cow-companion", time).CreateEventAsync(new KubeEvent(involved, KubeEventType.Normal, "Submitted", "Slurm job 42", "slurmk8s-companion"),
            CancellationToken.None);

        var request = stub.Requests.Single();
        Assert.That((request.Method, request.Uri.PathAndQuery, request.ContentType), Is.EqualTo((HttpMethod.Post, "/api/v1/namespaces/fx/events", Json)));
        var sent = JsonNode.Parse(request.Body!)!;
        Assert.That(((string?)sent["reason"], (string?)sent["firstTimestamp"], (int?)sent["count"], (string?)sent["reportingInstance"]),
            Is.EqualTo(("Submitted", "2026-12-03T09:00:03Z", 1, "cow-companion")));
    }

    [Test]
    public async Task Get_WhenTheServerDoesNotAnswerWithinTheClientsTimeout_ThrowsATransientKubeApiException()
    {
        using var client = new KubeClient(new KubernetesClientConfiguration { Host = "http://apiserver.invalid", AccessToken = "t0ken", HttpClientTimeout = TimeSpan.FromMilliseconds(200) },
            new SilentHandler());

        var error = await Assert.ThrowsAsync<KubeApiException>(() => new KubeApi(client).GetSlurmJobAsync("fx", "cow", CancellationToken.None));

        Assert.That((error!.StatusCode, error.IsTransient), Is.EqualTo((0, true)));
        Assert.That(error.Message, Does.StartWith("get SlurmJob fx/cow: the API server did not answer"));
    }

    [Test]
    public async Task Node_ReadsCapacityAndPatchesLabelsAndStatusWithMergePatches()
    {
        var stub = Answering(HttpStatusCode.OK, Fixture("node.json"));
        using var client = Client(stub);
        var nodes = new KubeNodeApi(client);

        var node = await nodes.GetNodeAsync("node-1", CancellationToken.None);
        await nodes.PatchLabelsAsync("node-1", new Dictionary<string, string?> { ["slurm.sylabs.io/cluster"] = null }, CancellationToken.None);
        await nodes.PatchResourcesAsync("node-1", new Dictionary<string, string?> { ["slurm.sylabs.io/cpu"] = "8" }, new Dictionary<string, string?>(), CancellationToken.None);

        Assert.That((node!.Capacity["slurm.sylabs.io/cpu"], node.Allocatable["cpu"], node.Capacity["memory"]), Is.EqualTo(("4", "3800m", "16331164Ki")));
        Assert.That(stub.Requests.Select(r => $"{r.Method} {r.Uri.PathAndQuery} {r.ContentType} {r.Body}"), Is.EqualTo(new[]
        {
            "GET /api/v1/nodes/node-1  ",
            $"PATCH /api/v1/nodes/node-1 {MergePatch} " + """{"metadata":{"labels":{"slurm.sylabs.io/cluster":null}}}""",
            $"PATCH /api/v1/nodes/node-1/status {MergePatch} " + """{"status":{"capacity":{"slurm.sylabs.io/cpu":"8"}}}""",
        }));
    }

    [Test]
    public async Task Lease_ReadsTheServersLeaseAndPutsTheUpdate()
    {
        var stub = Answering(HttpStatusCode.OK, Fixture("lease.json"));
        using var client = Client(stub);
        var leases = new KubernetesLeaseClient(client);

        var lease = await leases.GetAsync("fx", "slurmk8s-operator", CancellationToken.None);
        await leases.UpdateAsync("fx", "slurmk8s-operator", lease! with { HolderIdentity = "b" }, CancellationToken.None);

        Assert.That((lease!.HolderIdentity, lease.RenewTime, lease.LeaseTransitions), Is.EqualTo(("operator-7d9f-abc",
            (DateTimeOffset?)new DateTimeOffset(2026, 12, 3, 9, 0, 5, TimeSpan.Zero).AddTicks(1_234_560), 2)));
        var put = stub.Requests[1];
        Assert.That((put.Method, put.Uri.PathAndQuery, put.ContentType), Is.EqualTo((HttpMethod.Put, "/apis/coordination.k8s.io/v1/namespaces/fx/leases/slurmk8s-operator", Json)));
        Assert.That(JsonNode.Parse(put.Body!)!["spec"]!.ToJsonString(), Is.EqualTo(
            """{"acquireTime":"2026-12-03T09:00:00Z","holderIdentity":"b","leaseDurationSeconds":15,"leaseTransitions":2,"renewTime":"2026-12-03T09:00:05.123456Z"}"""));
    }

    [Test]
    public async Task Lease_CreateWhenSomeoneElseCreatedItFirst_IsALeaseConflict()
    {
        using var client = Client(Answering(HttpStatusCode.Conflict, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"leases.coordination.k8s.io \"l\" already exists","reason":"AlreadyExists","code":409}"""));
        var leases = new KubernetesLeaseClient(client);

        Assert.That(() => leases.CreateAsync("fx", "l", new LeaseRecord("a", 15, null, null, 0), CancellationToken.None), Throws.TypeOf<LeaseConflictException>());
    }

    [Test]
    public async Task Lease_GetWhenThereIsNone_IsNull()
    {
        using var client = Client(Answering(HttpStatusCode.NotFound, Fixture("status-404.json")));

        Assert.That(await new KubernetesLeaseClient(client).GetAsync("fx", "l", CancellationToken.None), Is.Null);
    }

    private static KubeClient Client(StubHandler stub) =>
        new(new KubernetesClientConfiguration { Host = "http://apiserver.invalid", AccessToken = "t0ken" }, stub);

    private static StubHandler Answering(HttpStatusCode code, string body) => new(_ => Answer(code, body));

    private static HttpResponseMessage Answer(HttpStatusCode code, string body) => new(code) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static string Fixture(string name) => Api.ApiJsonContextTests.Fixture(name);

    /// <summary>Never answers: waits until the request is cancelled.</summary>
    private sealed class SilentHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
