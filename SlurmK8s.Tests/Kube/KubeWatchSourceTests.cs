using System.Net;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using SlurmK8s.Kube;

namespace SlurmK8s.Tests.Kube;

/// <summary>
/// The HTTP side of the watch against a stub handler in KubernetesClient's pipeline: exact request, line parsing and
/// the error shapes (HTTP 410, an ERROR event with code 410) that the real API server is also tested for.
/// </summary>
internal sealed class KubeWatchSourceTests
{
    [Test]
    public async Task Watch_SendsTheWatchQueryWithCredentialsAndParsesEveryKindOfLine()
    {
        var stub = new StubHandler(_ => Lines(
            """{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"ns","resourceVersion":"11"}}}""",
            "",
            """{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"ns","resourceVersion":"12"}}}""",
            """{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"30"}}}""",
            """{"type":"DELETED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"ns","resourceVersion":"31"}}}"""));
        using var client = Client(stub);
        var source = WatchSources.Pods(client, "app=x,tier!=db", "ns", TimeSpan.FromSeconds(42));

        var events = await ReadAllAsync(source.WatchAsync("10", CancellationToken.None));

        Assert.That(events.Select(e => $"{e.Type} {e.Object?.Metadata.Name} {e.ResourceVersion}"), Is.EqualTo(new[]
        {
            "Added p 11", "Modified p 12", "Bookmark  30", "Deleted p 31",
        }));
        var request = stub.Requests.Single();
        Assert.That(request.Uri.AbsolutePath, Is.EqualTo("/api/v1/namespaces/ns/pods"));
        Assert.That(request.Uri.Query, Does.Contain("watch=true").And.Contain("resourceVersion=10").And.Contain("allowWatchBookmarks=true")
            .And.Contain("timeoutSeconds=42").And.Contain("labelSelector=app%3Dx%2Ctier%21%3Ddb"));
        Assert.That(request.Authorization, Is.EqualTo("Bearer t0ken"));
    }

    [Test]
    public async Task Watch_WhenTheStreamCarriesAnErrorEvent_ThrowsItsStatusAsKubeApiException()
    {
        var stub = new StubHandler(_ => Lines(
            """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 196 (197)","reason":"Expired","code":410}}"""));
        using var client = Client(stub);

        var error = await Assert.ThrowsAsync<KubeApiException>(() => ReadAllAsync(WatchSources.Pods(client, "app=x").WatchAsync("196", CancellationToken.None)));

        Assert.That(error!.IsGone);
        Assert.That(error.Reason, Is.EqualTo("Expired"));
        Assert.That(error.Message, Does.Contain("too old resource version: 196 (197)"));
    }

    [TestCase(410, "Expired", "too old resource version: 5 (9)", true, false)]
    [TestCase(403, "Forbidden", "pods is forbidden: User \"x\" cannot watch resource \"pods\"", false, false)]
    [TestCase(503, "ServiceUnavailable", "etcdserver: leader changed", false, true)]
    public async Task Watch_WhenTheServerAnswersWithAnHttpError_ThrowsKubeApiExceptionWithItsWords(int code, string reason, string message, bool gone, bool transient)
    {
        var stub = new StubHandler(_ => new HttpResponseMessage((HttpStatusCode)code)
        {
            Content = new StringContent($$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{JsonEncodedText.Encode(message)}}","reason":"{{reason}}","code":{{code}}}""", Encoding.UTF8, "application/json"),
        });
        using var client = Client(stub);

        var error = await Assert.ThrowsAsync<KubeApiException>(() => ReadAllAsync(WatchSources.Pods(client, "app=x").WatchAsync("5", CancellationToken.None)));

        Assert.That(error!.StatusCode, Is.EqualTo(code));
        Assert.That(error.Reason, Is.EqualTo(reason));
        Assert.That(error.Message, Does.Contain(message).And.Contain("watch pods (app=x)"));
        Assert.That(error.IsGone, Is.EqualTo(gone));
        Assert.That(error.IsTransient, Is.EqualTo(transient));
    }

    [Test]
    public async Task List_ReturnsTheItemsAndTheListResourceVersion()
    {
        var stub = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"77"},"items":[{"metadata":{"name":"a","namespace":"ns"}},{"metadata":{"name":"b","namespace":"ns"}}]}""", Encoding.UTF8, "application/json"),
        });
        using var client = Client(stub);

        var list = await WatchSources.Pods(client, "app=x").ListAsync(CancellationToken.None);

        Assert.That(list.ResourceVersion, Is.EqualTo("77"));
        Assert.That(list.Items.Select(p => p.Metadata.Name), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(stub.Requests.Single().Uri.PathAndQuery, Is.EqualTo("/api/v1/pods?labelSelector=app%3Dx"));
    }

    private static KubeClient Client(StubHandler stub) =>
        new(new KubernetesClientConfiguration { Host = "http://apiserver.invalid", AccessToken = "t0ken" }, stub);

    private static HttpResponseMessage Lines(params string[] lines) =>
        new(HttpStatusCode.OK) { Content = new StringContent(string.Join('\n', lines) + "\n", Encoding.UTF8, "application/json") };

    private static async Task<List<WatchEvent<V1Pod>>> ReadAllAsync(IAsyncEnumerable<WatchEvent<V1Pod>> events)
    {
        var result = new List<WatchEvent<V1Pod>>();
        await foreach (var e in events)
        {
            result.Add(e);
        }
        return result;
    }
}
