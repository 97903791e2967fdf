using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace SlurmK8s.ControllerRuntime.LeaderElection;

/// <summary><see cref="ILeaseClient"/> over KubernetesClient.Aot's CoordinationV1 calls (source-generated JSON, AOT-safe).</summary>
internal sealed class KubernetesLeaseClient(IKubernetes client) : ILeaseClient
{
    public async Task<LeaseRecord?> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return ToRecord(lease);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<LeaseRecord> CreateAsync(string @namespace, string name, LeaseRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await client.CoordinationV1.CreateNamespacedLeaseAsync(ToLease(@namespace, name, record), @namespace, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return ToRecord(lease);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new LeaseConflictException($"lease {@namespace}/{name} was created by someone else first", e);
        }
    }

    public async Task<LeaseRecord> UpdateAsync(string @namespace, string name, LeaseRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(ToLease(@namespace, name, record), name, @namespace, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return ToRecord(lease);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new LeaseConflictException($"lease {@namespace}/{name} changed since resourceVersion {record.ResourceVersion}", e);
        }
    }

    private static LeaseRecord ToRecord(V1Lease lease) => new(
        lease.Spec?.HolderIdentity,
        lease.Spec?.LeaseDurationSeconds ?? 0,
        ToOffset(lease.Spec?.AcquireTime),
        ToOffset(lease.Spec?.RenewTime),
        lease.Spec?.LeaseTransitions ?? 0,
        lease.Metadata?.ResourceVersion);

    private static V1Lease ToLease(string @namespace, string name, LeaseRecord record) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, ResourceVersion = record.ResourceVersion },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = record.HolderIdentity,
            LeaseDurationSeconds = record.LeaseDurationSeconds,
            AcquireTime = record.AcquireTime?.UtcDateTime,
            RenewTime = record.RenewTime?.UtcDateTime,
            LeaseTransitions = record.LeaseTransitions,
        },
    };

    private static DateTimeOffset? ToOffset(DateTime? time) =>
        time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, t.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : t.Kind)).ToUniversalTime() : null;
}
