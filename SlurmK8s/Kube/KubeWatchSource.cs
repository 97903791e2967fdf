using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Kube;

/// <summary>
/// LIST and WATCH over HTTP for one resource path. KubernetesClient.Aot has no watch helper (and its list methods
/// return nothing with watch=true), so the watch is the list request with watch=true, read one JSON event per line.
/// </summary>
/// <param name="client">Supplies the base address, the HTTP pipeline (TLS) and the credentials.</param>
/// <param name="itemJson">How <typeparamref name="T"/> is read (our source-generated contexts, not KubernetesJson's).</param>
/// <param name="listJson">How <typeparamref name="TList"/> is read.</param>
/// <param name="path">The collection, relative to the API root: "api/v1/namespaces/ns/pods", "apis/g/v/plural".</param>
/// <param name="labelSelector">Only objects with these labels, or null for all.</param>
/// <param name="watchTimeout">How long the server keeps one watch open; random between 5 and 10 minutes when not given, as client-go does.</param>
/// <param name="fieldSelector">Only objects whose fields match (e.g. "metadata.name=x"), or null for all.</param>
internal sealed class KubeWatchSource<T, TList>(KubeClient client, JsonTypeInfo<T> itemJson, JsonTypeInfo<TList> listJson, string path, string? labelSelector,
    string description, TimeSpan? watchTimeout = null, string? fieldSelector = null)
    : IWatchSource<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : IKubernetesObject<V1ListMeta>, IItems<T>
{
    private readonly KubeHttp _http = new(client);

    public string Description { get; } = labelSelector is null ? description : $"{description} ({labelSelector})";

    private readonly (string Name, string Value)[] _selectors =
        [.. new[] { ("labelSelector", labelSelector), ("fieldSelector", fieldSelector) }.Where(s => s.Item2 is not null).Select(s => (s.Item1, s.Item2!))];

    public async Task<KubeList<T>> ListAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(Query(), $"list {Description}", cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var list = await JsonSerializer.DeserializeAsync(body, listJson, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException($"list {Description}: the API server answered null");
        return new KubeList<T>(list.Items?.ToList() ?? [], list.Metadata?.ResourceVersion ?? "");
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var timeout = watchTimeout ?? TimeSpan.FromSeconds(300 + Random.Shared.Next(300));
        var query = Query(
            ("watch", "true"),
            ("resourceVersion", resourceVersion),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", ((int)Math.Max(1, timeout.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var response = await SendAsync(query, $"watch {Description}", cancellationToken).ConfigureAwait(false);
        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return ParseEvent(line, itemJson, Description);
            }
        }
    }

    /// <summary>One line of a watch stream; an ERROR event becomes the exception it stands for.</summary>
    internal static WatchEvent<T> ParseEvent(string line, JsonTypeInfo<T> itemJson, string description)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var type = root.GetProperty("type").GetString();
        var raw = root.GetProperty("object");
        switch (type)
        {
            case "ADDED":
            case "MODIFIED":
            case "DELETED":
                var item = raw.Deserialize(itemJson) ?? throw new JsonException($"watch {description}: a {type} event without its object");
                var eventType = type == "ADDED" ? WatchEventType.Added : type == "MODIFIED" ? WatchEventType.Modified : WatchEventType.Deleted;
                return new WatchEvent<T>(eventType, item, item.Metadata?.ResourceVersion ?? "");
            case "BOOKMARK":
                var version = raw.TryGetProperty("metadata", out var metadata)
                    && metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
                return new WatchEvent<T>(WatchEventType.Bookmark, null, version ?? "");
            case "ERROR":
                var status = raw.Deserialize(ApiJsonContext.Default.V1Status) ?? throw new JsonException($"watch {description}: an ERROR event without its Status");
                throw KubeApiException.From(status, $"watch {description}");
            default:
                throw new InvalidDataException($"watch {description}: unknown event type '{type}'");
        }
    }

    private string Query(params (string Name, string Value)[] parameters)
    {
        (string Name, string Value)[] all = [.. parameters, .. _selectors];
        return all.Length == 0 ? path : path + "?" + string.Join('&', all.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
    }

    private Task<HttpResponseMessage> SendAsync(string relativeUri, string what, CancellationToken cancellationToken) =>
        _http.SendAsync(HttpMethod.Get, relativeUri, null, what, cancellationToken);
}
