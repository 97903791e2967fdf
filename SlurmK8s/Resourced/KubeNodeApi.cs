using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;

namespace SlurmK8s.Resourced;

/// <summary><see cref="INodeApi"/> over <see cref="KubeHttp"/>; failures are <see cref="KubeApiException"/>s, events built as <see cref="KubeApi"/> builds them.</summary>
internal sealed class KubeNodeApi(KubeClient client, TimeProvider? time = null) : INodeApi
{
    private readonly KubeHttp _http = new(client);

    public async Task<NodeSnapshot?> GetNodeAsync(string name, CancellationToken cancellationToken)
    {
        V1Node node;
        try
        {
            node = await _http.GetAsync(ApiPaths.Node(name), ApiJsonContext.Default.V1Node, $"reading node {name}", cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return null;
        }
        return new NodeSnapshot(name, node.Metadata?.Uid,
            node.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : [],
            Quantities(node.Status?.Capacity), Quantities(node.Status?.Allocatable));
    }

    public Task PatchLabelsAsync(string name, IReadOnlyDictionary<string, string?> labels, CancellationToken cancellationToken)
    {
        var patch = MergePatch(w =>
        {
            w.WriteStartObject("metadata");
            WriteMap(w, "labels", labels);
            w.WriteEndObject();
        });
        return _http.MergePatchAsync(ApiPaths.Node(name), patch, $"patching the labels of node {name}", cancellationToken);
    }

    public Task PatchResourcesAsync(string name, IReadOnlyDictionary<string, string?> capacity, IReadOnlyDictionary<string, string?> allocatable,
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
        return _http.MergePatchAsync(ApiPaths.Node(name) + "/status", patch, $"patching the capacity of node {name}", cancellationToken);
    }

    public Task CreateEventAsync(KubeEvent kubeEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kubeEvent);
        // Reported by the node's own daemon, as the kubelet reports its node's events.
        var body = KubeApi.BuildEvent(kubeEvent, kubeEvent.InvolvedObject.Name, (time ?? TimeProvider.System).GetUtcNow().UtcDateTime);
        return _http.CreateAsync(ApiPaths.Events(body.Metadata.NamespaceProperty), body, ApiJsonContext.Default.Corev1Event,
            $"posting an event on node {kubeEvent.InvolvedObject.Name}", cancellationToken);
    }

    private static Dictionary<string, string> Quantities(IDictionary<string, ResourceQuantity>? quantities) =>
        quantities?.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal) ?? [];

    private static string MergePatch(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
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
}
