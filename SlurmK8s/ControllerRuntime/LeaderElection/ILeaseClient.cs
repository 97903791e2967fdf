namespace SlurmK8s.ControllerRuntime.LeaderElection;

/// <summary>The three Lease calls leader election needs.</summary>
internal interface ILeaseClient
{
    /// <summary>The lease, or null when it does not exist.</summary>
    Task<LeaseRecord?> GetAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>Creates the lease; <see cref="LeaseConflictException"/> when it already exists.</summary>
    Task<LeaseRecord> CreateAsync(string @namespace, string name, LeaseRecord record, CancellationToken cancellationToken);

    /// <summary>Replaces the lease if it is still at <see cref="LeaseRecord.ResourceVersion"/>; <see cref="LeaseConflictException"/> otherwise.</summary>
    Task<LeaseRecord> UpdateAsync(string @namespace, string name, LeaseRecord record, CancellationToken cancellationToken);
}
