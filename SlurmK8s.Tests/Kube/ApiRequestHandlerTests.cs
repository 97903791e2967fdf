using System.Net;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.Kube;

internal sealed class ApiRequestHandlerTests
{
    private static readonly Uri Server = new("https://127.0.0.1:6443/");

    [Test]
    public async Task SendAsync_CountsEachRequestByVerbResourceAndCode()
    {
        var recorder = new RecordingApiRequests();
        using var client = new HttpClient(new ApiRequestHandler(null, recorder) { InnerHandler = new AnsweringHandler(HttpStatusCode.Conflict) });

        using var _ = await client.PatchAsync(new Uri(Server, "apis/slurm.sylabs.io/v1alpha1/namespaces/ns/slurmjobs/a/status"), new StringContent("{}"));

        Assert.That(recorder.Requests, Is.EqualTo(new[] { (new ApiRequestKind("patch", "slurmjobs/status"), 409) }));
    }

    [Test]
    public async Task SendAsync_WhenNoAnswerComes_CountsCodeZeroAndThrows()
    {
        var recorder = new RecordingApiRequests();
        using var client = new HttpClient(new ApiRequestHandler(null, recorder) { InnerHandler = new AnsweringHandler(null) });

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(Server, "api/v1/nodes")));
        Assert.That(recorder.Requests, Is.EqualTo(new[] { (new ApiRequestKind("list", "nodes"), 0) }));
    }

    [Test]
    public async Task SendAsync_BeyondTheBurst_HoldsTheRequestUntilItsTokenAndRecordsTheWait()
    {
        var clock = new ManualTimeProvider();
        var recorder = new RecordingApiRequests();
        var inner = new AnsweringHandler(HttpStatusCode.Created);
        using var client = new HttpClient(new ApiRequestHandler(new TokenBucket(qps: 2, burst: 1, clock), recorder) { InnerHandler = inner });
        var events = new Uri(Server, "api/v1/namespaces/ns/events");
        using var first = await client.PostAsync(events, new StringContent("{}"));

        var second = client.PostAsync(events, new StringContent("{}"));
        await Task.Delay(50);
        Assert.That(inner.Sent, Is.EqualTo(1), "the second waits for its token");
        clock.Advance(TimeSpan.FromMilliseconds(500));
        using var answered = await second.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That(inner.Sent, Is.EqualTo(2));
        Assert.That(recorder.Throttled, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
    }

    private sealed class RecordingApiRequests : IApiRequestRecorder
    {
        private readonly Lock _gate = new();
        public List<(ApiRequestKind Kind, int Code)> Requests { get; } = [];
        public TimeSpan Throttled { get; private set; }

        public void RecordApiRequest(ApiRequestKind kind, int statusCode)
        {
            lock (_gate)
            {
                Requests.Add((kind, statusCode));
            }
        }

        public void RecordThrottled(TimeSpan waited)
        {
            lock (_gate)
            {
                Throttled += waited;
            }
        }
    }

    /// <summary>The API server's side: answers every request with one status code, or with no answer at all (null).</summary>
    private sealed class AnsweringHandler(HttpStatusCode? code) : HttpMessageHandler
    {
        private int _sent;
        public int Sent => Volatile.Read(ref _sent);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _sent);
            return code is { } answer
                ? Task.FromResult(new HttpResponseMessage(answer) { RequestMessage = request })
                : Task.FromException<HttpResponseMessage>(new HttpRequestException("connection refused"));
        }
    }
}
