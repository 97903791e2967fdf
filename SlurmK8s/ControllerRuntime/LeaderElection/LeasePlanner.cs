namespace SlurmK8s.ControllerRuntime.LeaderElection;

/// <summary>
/// The pure part of leader election (client-go's tryAcquireOrRenew): given the lease as last read, what to write, or
/// nothing while another holder's lease is still valid. Validity is judged by how long ago THIS process saw the lease
/// change, on its own monotonic clock, never by the renewTime written by another machine's clock.
/// </summary>
internal static class LeasePlanner
{
    /// <param name="current">The lease as read; null when it does not exist.</param>
    /// <param name="sinceObservedChange">How long ago this process first saw <paramref name="current"/> as it is now.</param>
    /// <param name="now">Wall-clock time to write into acquireTime/renewTime (informational for humans and tools).</param>
    public static LeaseRecord? Plan(LeaseRecord? current, string identity, TimeSpan leaseDuration, TimeSpan sinceObservedChange, DateTimeOffset now)
    {
        var seconds = (int)Math.Ceiling(leaseDuration.TotalSeconds);
        if (current is null)
        {
            return new LeaseRecord(identity, seconds, now, now, LeaseTransitions: 0);
        }
        if (current.HolderIdentity == identity)
        {
            return current with { LeaseDurationSeconds = seconds, RenewTime = now, AcquireTime = current.AcquireTime ?? now };
        }
        if (current.HasHolder && sinceObservedChange < TimeSpan.FromSeconds(current.LeaseDurationSeconds))
        {
            return null;
        }
        // Released or expired: take it over.
        return current with
        {
            HolderIdentity = identity,
            LeaseDurationSeconds = seconds,
            AcquireTime = now,
            RenewTime = now,
            LeaseTransitions = current.LeaseTransitions + 1,
        };
    }

    /// <summary>What a holder writes to hand the lease over at once: no holder, a 1 s duration (as client-go releases).</summary>
    public static LeaseRecord Release(LeaseRecord held, DateTimeOffset now) =>
        held with { HolderIdentity = "", LeaseDurationSeconds = 1, AcquireTime = now, RenewTime = now };
}
