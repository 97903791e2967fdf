namespace SlurmK8s.ControllerRuntime.LeaderElection;

/// <summary>The fields of a coordination.k8s.io/v1 Lease that leader election reads and writes.</summary>
/// <param name="HolderIdentity">Who leads; null or empty when nobody does (released).</param>
/// <param name="ResourceVersion">The version read; an update carrying it fails with a conflict if anyone wrote since.</param>
internal sealed record LeaseRecord(
    string? HolderIdentity,
    int LeaseDurationSeconds,
    DateTimeOffset? AcquireTime,
    DateTimeOffset? RenewTime,
    int LeaseTransitions,
    string? ResourceVersion = null)
{
    public bool HasHolder => !string.IsNullOrEmpty(HolderIdentity);
}
