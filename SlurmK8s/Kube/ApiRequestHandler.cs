namespace SlurmK8s.Kube;

/// <summary>
/// The first handler of a <see cref="KubeClient"/>'s HTTP pipeline: every request (watches and calls
/// alike) first takes a token from the client-side rate limit, if there is one, and is then counted by verb, resource
/// and answer. KubernetesClient has no rate limiter of its own, so without this a busy controller sends as fast as its
/// workers go, and an API server that cannot keep up answers 429 or slows everyone down.
/// </summary>
internal sealed class ApiRequestHandler(TokenBucket? limit, IApiRequestRecorder? recorder) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (limit is not null && await limit.TakeAsync(cancellationToken).ConfigureAwait(false) is var waited && waited > TimeSpan.Zero)
        {
            recorder?.RecordThrottled(waited);
        }
        var kind = ApiRequestKind.Of(request.Method, request.RequestUri);
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            recorder?.RecordApiRequest(kind, (int)response.StatusCode);
            return response;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            recorder?.RecordApiRequest(kind, 0);
            throw;
        }
    }
}
