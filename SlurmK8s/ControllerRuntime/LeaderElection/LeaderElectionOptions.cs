namespace SlurmK8s.ControllerRuntime.LeaderElection;

/// <summary>Which Lease to contend for, as whom, and how fast (client-go's defaults: 15 s / 10 s / 2 s).</summary>
internal sealed record LeaderElectionOptions
{
    public required string Namespace { get; init; }

    public required string LeaseName { get; init; }

    /// <summary>Who this replica is in the lease's holderIdentity: the pod name (downward API), unique per replica.</summary>
    public required string Identity { get; init; }

    /// <summary>How long others wait, after they last saw the lease change, before taking it over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps acting without a successful renewal; must be shorter than <see cref="LeaseDuration"/>.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often to try to acquire (with up to 20 % jitter) and to renew.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On cancellation, hand the lease over at once instead of letting it expire.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting and the fix when the timings cannot be safe.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Namespace) || string.IsNullOrWhiteSpace(LeaseName))
        {
            throw new ArgumentException("leader election needs the lease's namespace and name");
        }
        if (string.IsNullOrWhiteSpace(Identity))
        {
            throw new ArgumentException("leader election needs an identity unique to this replica: set it to the pod name (downward API metadata.name)");
        }
        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"lease duration {LeaseDuration} is under a second: the Lease counts whole seconds");
        }
        if (RenewDeadline >= LeaseDuration)
        {
            throw new ArgumentException($"renew deadline {RenewDeadline} must be shorter than the lease duration {LeaseDuration}, or two replicas could act at once");
        }
        if (RenewDeadline <= RetryPeriod * 1.2)
        {
            throw new ArgumentException($"renew deadline {RenewDeadline} must be longer than 1.2 × the retry period {RetryPeriod}, or one slow call loses the lease");
        }
    }
}
