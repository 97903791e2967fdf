using SlurmK8s.ControllerRuntime.LeaderElection;

namespace SlurmK8s.Tests.ControllerRuntime.LeaderElection;

/// <summary>The real lease client, until the test cuts this replica off from the API server (as a network partition would).</summary>
internal sealed class PartitionableLeaseClient(ILeaseClient inner) : ILeaseClient
{
    public volatile bool Partitioned;

    public Task<LeaseRecord?> GetAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Partitioned ? Task.FromException<LeaseRecord?>(new HttpRequestException("partitioned by the test")) : inner.GetAsync(@namespace, name, cancellationToken);

    public Task<LeaseRecord> CreateAsync(string @namespace, string name, LeaseRecord record, CancellationToken cancellationToken) =>
        Partitioned ? Task.FromException<LeaseRecord>(new HttpRequestException("partitioned by the test")) : inner.CreateAsync(@namespace, name, record, cancellationToken);

    public Task<LeaseRecord> UpdateAsync(string @namespace, string name, LeaseRecord record, CancellationToken cancellationToken) =>
        Partitioned ? Task.FromException<LeaseRecord>(new HttpRequestException("partitioned by the test")) : inner.UpdateAsync(@namespace, name, record, cancellationToken);
}
