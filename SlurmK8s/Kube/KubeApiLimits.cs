namespace SlurmK8s.Kube;

/// <summary>
/// A client's own limit on its requests to the API server (client-go's rest.Config QPS and Burst): up to
/// <see cref="Burst"/> at once, then <see cref="Qps"/> a second. A <see cref="Qps"/> of 0 or less: no limit.
/// </summary>
internal sealed record KubeApiLimits(double Qps, int Burst)
{
    public bool IsUnlimited => Qps <= 0;

    /// <summary>The bucket that enforces it; null when unlimited.</summary>
    public TokenBucket? CreateBucket(TimeProvider? time = null) => IsUnlimited ? null : new TokenBucket(Qps, Math.Max(1, Burst), time);

    public override string ToString() => IsUnlimited ? "no client-side limit" : $"{Qps:0.##} requests/s, bursts of {Burst}";
}
