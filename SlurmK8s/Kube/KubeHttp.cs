using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SlurmK8s.Kube;

/// <summary>
/// Requests to the API server through a <see cref="KubeClient"/> (its TLS, credentials and handlers), bodies in our
/// own source-generated JSON contexts. KubernetesClient's generated operations (<c>client.CoreV1.*</c>,
/// <c>client.CustomObjects.*</c>) go through KubernetesJson, whose context covers every Kubernetes type, and that
/// context's runtime data would be in every slurmk8s process (docs/benchmarks.md#memory).
/// </summary>
internal sealed class KubeHttp(KubeClient client)
{
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
    private static readonly MediaTypeHeaderValue MergePatch = MediaTypeHeaderValue.Parse("application/merge-patch+json; charset=utf-8");

    public Task<T> GetAsync<T>(string path, JsonTypeInfo<T> answer, string what, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Get, path, null, answer, what, cancellationToken);

    /// <summary>POST: creates <paramref name="body"/> in the collection at <paramref name="path"/>; the stored object is not read back.</summary>
    public Task CreateAsync<T>(string path, T body, JsonTypeInfo<T> type, string what, CancellationToken cancellationToken) =>
        CallAsync<object>(HttpMethod.Post, path, Content(body, type), answer: null, what, cancellationToken);

    /// <summary>POST, returning the object as stored.</summary>
    public Task<T> CreateAndReadAsync<T>(string path, T body, JsonTypeInfo<T> type, string what, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Post, path, Content(body, type), type, what, cancellationToken);

    /// <summary>PUT, returning the object as stored.</summary>
    public Task<T> ReplaceAsync<T>(string path, T body, JsonTypeInfo<T> type, string what, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Put, path, Content(body, type), type, what, cancellationToken);

    /// <summary>A JSON merge patch (RFC 7386: a null removes a field), returning the object as stored.</summary>
    public Task<T> MergePatchAsync<T>(string path, string patch, JsonTypeInfo<T> answer, string what, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Patch, path, new StringContent(patch) { Headers = { ContentType = MergePatch } }, answer, what, cancellationToken);

    /// <summary>As <see cref="MergePatchAsync{T}"/>, not reading the answer.</summary>
    public Task MergePatchAsync(string path, string patch, string what, CancellationToken cancellationToken) =>
        CallAsync<object>(HttpMethod.Patch, path, new StringContent(patch) { Headers = { ContentType = MergePatch } }, answer: null, what, cancellationToken);

    public Task DeleteAsync<TOptions>(string path, TOptions? options, JsonTypeInfo<TOptions> type, string what, CancellationToken cancellationToken)
        where TOptions : class =>
        CallAsync<object>(HttpMethod.Delete, path, options is null ? null : Content(options, type), answer: null, what, cancellationToken);

    /// <summary>
    /// Sends one request and returns the response once its headers are in (a watch reads on); an answer that is not
    /// a success is thrown as a <see cref="KubeApiException"/> with the Status it carried. No answer at all comes out
    /// as the HTTP client throws it.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relativeUri, HttpContent? content, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(client.BaseUri, relativeUri))
        {
            Content = content,
            // As the generated client does: HTTP/2 over TLS, so all requests and watches share one connection.
            Version = client.DisableHttp2 ? HttpVersion.Version11 : HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        if (client.TlsServerName is { } serverName)
        {
            request.Headers.Host = serverName;
        }
        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }
        var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw KubeApiException.From((int)response.StatusCode, body, response.ReasonPhrase, what);
        }
    }

    /// <summary>One request and its answer, within the client's timeout (100 s unless configured), as the generated operations do.</summary>
    private async Task<T> CallAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T>? answer, string what, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(client.HttpClientTimeout);
        return await KubeApiException.TranslateAsync(what, async () =>
        {
            using var response = await SendAsync(method, path, content, what, timeout.Token).ConfigureAwait(false);
            if (answer is null)
            {
                return default!;
            }
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync(stream, answer, timeout.Token).ConfigureAwait(false)
                ?? throw new JsonException($"{what}: the API server answered null");
        }, cancellationToken).ConfigureAwait(false);
    }

    private static ByteArrayContent Content<T>(T body, JsonTypeInfo<T> type) =>
        new(JsonSerializer.SerializeToUtf8Bytes(body, type)) { Headers = { ContentType = Json } };
}
