using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;

namespace SlurmK8s.ControllerRuntime.LeaderElection;

/// <summary><see cref="ILeaseClient"/> over <see cref="KubeHttp"/>: coordination.k8s.io/v1 Leases; failures are <see cref="KubeApiException"/>s.</summary>
internal sealed class KubernetesLeaseClient(KubeClient client) : ILeaseClient
{
    private readonly KubeHttp _http = new(client);

    public async Task<LeaseRecord?> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await _http.GetAsync(ApiPaths.Lease(@namespace, name), ApiJsonContext.Default.V1Lease, $"get lease {@namespace}/{name}", cancellationToken)
                .ConfigureAwait(false);
            return ToRecord(lease);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public async Task<LeaseRecord> CreateAsync(string @namespace, string name, LeaseRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await _http.CreateAndReadAsync(ApiPaths.Leases(@namespace), ToLease(@namespace, name, record), ApiJsonContext.Default.V1Lease,
                $"create lease {@namespace}/{name}", cancellationToken).ConfigureAwait(false);
            return ToRecord(lease);
        }
        catch (KubeApiException e) when (e.StatusCode == 409)
        {
            throw new LeaseConflictException($"lease {@namespace}/{name} was created by someone else first", e);
        }
    }

    public async Task<LeaseRecord> UpdateAsync(string @namespace, string name, LeaseRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await _http.ReplaceAsync(ApiPaths.Lease(@namespace, name), ToLease(@namespace, name, record), ApiJsonContext.Default.V1Lease,
                $"update lease {@namespace}/{name}", cancellationToken).ConfigureAwait(false);
            return ToRecord(lease);
        }
        catch (KubeApiException e) when (e.StatusCode == 409)
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
