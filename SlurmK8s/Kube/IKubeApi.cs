using System.Text.Json.Nodes;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Kube;

/// <summary>
/// The Kubernetes calls the operator and the companion make, and no others. API errors surface as
/// <see cref="KubeApiException"/>; "not there" is an answer (null, false, <see cref="CreateResult.AlreadyExists"/>)
/// where a level-based caller expects it.
/// </summary>
internal interface IKubeApi : IEventSink
{
    /// <summary>The SlurmJob, or null when there is none by that name.</summary>
    Task<SlurmJob?> GetSlurmJobAsync(string namespaceName, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Merge-patches the status subresource with the fields set in <paramref name="fields"/>; null fields are left out
    /// of the patch, so what the other writer owns stays as it is. Only if the SlurmJob is still at
    /// <paramref name="resourceVersion"/> (what the writer planned from): otherwise a <see cref="KubeApiException"/>
    /// with <see cref="KubeApiException.IsConflict"/>. Returns the SlurmJob as stored afterwards.
    /// </summary>
    Task<SlurmJob> PatchSlurmJobStatusAsync(string namespaceName, string name, SlurmJobStatus fields, string resourceVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Merge-patches the status subresource with <paramref name="patch"/> as it is: a field set to JSON null is removed
    /// (the companion clears a reason Slurm no longer gives). Returns the SlurmJob as stored afterwards.
    /// </summary>
    Task<SlurmJob> PatchSlurmJobStatusAsync(string namespaceName, string name, JsonObject patch, CancellationToken cancellationToken);

    /// <summary>
    /// The SlurmJob now and after every change it goes through; null once it is gone, which ends the sequence.
    /// Rides over API errors and expired watches by itself, so it ends only then or when cancelled.
    /// </summary>
    IAsyncEnumerable<SlurmJob?> WatchSlurmJobAsync(string namespaceName, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Sets metadata.finalizers, but only if the SlurmJob is still at <paramref name="resourceVersion"/>: otherwise
    /// a <see cref="KubeApiException"/> with <see cref="KubeApiException.IsConflict"/> (re-read and requeue).
    /// </summary>
    Task<SlurmJob> SetSlurmJobFinalizersAsync(string namespaceName, string name, IReadOnlyList<string> finalizers, string resourceVersion, CancellationToken cancellationToken);


    /// <summary>
    /// The pod, or null when there is none by that name: a fresh read, for the one case a cache cannot answer (a name
    /// taken by a pod the operator does not watch).
    /// </summary>
    Task<V1Pod?> GetPodAsync(string namespaceName, string name, CancellationToken cancellationToken);

    /// <summary>Creates the pod in its metadata's namespace; a pod of that name already there is reported, not thrown.</summary>
    Task<CreateResult> CreatePodAsync(V1Pod pod, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the pod; false when it was already gone, or (with <paramref name="resourceVersion"/>) when it has changed
    /// since that version was read (then it is left as it is).
    /// </summary>
    Task<bool> DeletePodAsync(string namespaceName, string name, CancellationToken cancellationToken, string? resourceVersion = null);

}
