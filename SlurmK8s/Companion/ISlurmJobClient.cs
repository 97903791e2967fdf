using System.Text.Json.Nodes;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Companion;

/// <summary>
/// The companion's hand on its own SlurmJob: read it, follow it, write the Slurm fields of its status, post events.
/// Failures are <see cref="KubeApiException"/>s.
/// </summary>
internal interface ISlurmJobClient
{
    /// <summary>The SlurmJob now; null when it does not exist.</summary>
    Task<SlurmJob?> GetAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The SlurmJob now and after every change; null once it is gone. Rides over API errors and reconnects by itself,
    /// so it ends only when cancelled or after reporting the object gone.
    /// </summary>
    IAsyncEnumerable<SlurmJob?> WatchAsync(CancellationToken cancellationToken);

    /// <summary>Merge-patches the status subresource with these fields (a JSON null removes one).</summary>
    Task PatchStatusAsync(JsonObject fields, CancellationToken cancellationToken);

    /// <summary>Posts an event about the SlurmJob.</summary>
    Task PostEventAsync(CompanionEvent companionEvent, CancellationToken cancellationToken);
}
