using System.Net;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace SlurmK8s.ResourceDaemon;

/// <summary><see cref="INodeApi"/> over KubernetesClient.Aot.</summary>
/// <param name="eventNamespace">Where Node events go; "default" is where the kubelet puts its own.</param>
internal sealed class KubeNodeApi(IKubernetes client, string eventNamespace = "default") : INodeApi
{
    public const string Component = "slurmk8s-resourced";

    public async Task<NodeSnapshot?> GetNodeAsync(string name, CancellationToken cancellationToken)
    {
        V1Node node;
        try
        {
            node = await client.CoreV1.ReadNodeAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (IsApiFailure(e, cancellationToken))
        {
            throw Translate($"reading node {name}", e);
        }
        return new NodeSnapshot(name, node.Metadata?.Uid,
            node.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : [],
            Quantities(node.Status?.Capacity), Quantities(node.Status?.Allocatable));
    }

    public async Task PatchLabelsAsync(string name, IReadOnlyDictionary<string, string?> labels, CancellationToken cancellationToken)
    {
        var patch = MergePatch(w =>
        {
            w.WriteStartObject("metadata");
            WriteMap(w, "labels", labels);
            w.WriteEndObject();
        });
        try
        {
            await client.CoreV1.PatchNodeAsync(patch, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsApiFailure(e, cancellationToken))
        {
            throw Translate($"patching the labels of node {name}", e);
        }
    }

    public async Task PatchResourcesAsync(string name, IReadOnlyDictionary<string, string?> capacity, IReadOnlyDictionary<string, string?> allocatable,
        CancellationToken cancellationToken)
    {
        // Extended resources are advertised through the status subresource; a merge patch's null removes a key
        // (a JSON patch `remove` would fail on a key that another writer removed first).
        var patch = MergePatch(w =>
        {
            w.WriteStartObject("status");
            WriteMap(w, "capacity", capacity);
            WriteMap(w, "allocatable", allocatable);
            w.WriteEndObject();
        });
        try
        {
            await client.CoreV1.PatchNodeStatusAsync(patch, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsApiFailure(e, cancellationToken))
        {
            throw Translate($"patching the capacity of node {name}", e);
        }
    }

    public async Task CreateEventAsync(NodeEvent nodeEvent, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var body = new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = nodeEvent.NodeName + ".", NamespaceProperty = eventNamespace },
            InvolvedObject = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = nodeEvent.NodeName, Uid = nodeEvent.NodeUid },
            Type = nodeEvent.Type,
            Reason = nodeEvent.Reason,
            Message = nodeEvent.Message,
            Source = new V1EventSource { Component = Component, Host = nodeEvent.NodeName },
            ReportingComponent = Component,
            ReportingInstance = nodeEvent.NodeName,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(body, eventNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsApiFailure(e, cancellationToken))
        {
            throw Translate($"posting an event on node {nodeEvent.NodeName}", e);
        }
    }

    private static Dictionary<string, string> Quantities(IDictionary<string, ResourceQuantity>? quantities) =>
        quantities?.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal) ?? [];

    private static V1Patch MergePatch(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return new V1Patch(Encoding.UTF8.GetString(buffer.ToArray()), V1Patch.PatchType.MergePatch);
    }

    private static void WriteMap(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, string?> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        writer.WriteStartObject(name);
        foreach (var (key, value) in entries)
        {
            if (value is null)
            {
                writer.WriteNull(key);
            }
            else
            {
                writer.WriteString(key, value);
            }
        }
        writer.WriteEndObject();
    }

    private static bool IsApiFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpOperationException or HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    private static NodeApiException Translate(string doing, Exception e)
    {
        if (e is HttpOperationException { Response: { } response })
        {
            // The API server's Status message says what was wrong (e.g. which field is invalid); fall back to the raw body.
            string? said = null;
            try
            {
                said = KubernetesJson.Deserialize<V1Status>(response.Content)?.Message;
            }
            catch (JsonException)
            {
            }
            return new NodeApiException(response.StatusCode, $"{doing}: {(int)response.StatusCode} {said ?? response.Content}", e);
        }
        return new NodeApiException(null, $"{doing}: the API server did not answer ({e.Message})", e);
    }
}
