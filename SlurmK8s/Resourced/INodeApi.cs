using SlurmK8s.Kube;

namespace SlurmK8s.Resourced;

/// <summary>The only Kubernetes calls resourced makes. Failures are <see cref="KubeApiException"/>s carrying the API server's words.</summary>
internal interface INodeApi : IEventSink
{
    /// <summary>The Node, or null when there is none of that name.</summary>
    Task<NodeSnapshot?> GetNodeAsync(string name, CancellationToken cancellationToken);

    /// <summary>Sets (value) and removes (null) labels on the Node, leaving all others alone.</summary>
    Task PatchLabelsAsync(string name, IReadOnlyDictionary<string, string?> labels, CancellationToken cancellationToken);

    /// <summary>Sets (value) and removes (null) entries of the Node's status capacity and allocatable, through the status subresource.</summary>
    Task PatchResourcesAsync(string name, IReadOnlyDictionary<string, string?> capacity, IReadOnlyDictionary<string, string?> allocatable,
        CancellationToken cancellationToken);
}
