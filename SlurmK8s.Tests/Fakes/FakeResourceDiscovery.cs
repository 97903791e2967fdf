using SlurmK8s.Resourced;

namespace SlurmK8s.Tests.Fakes;

/// <summary>A red-box discovery whose answer the test sets, counting the calls.</summary>
internal sealed class FakeResourceDiscovery : IResourceDiscovery
{
    private int _calls;

    public DiscoveryOutcome Outcome { get; set; } = DiscoveryOutcome.Absent("none");

    public int Calls => Volatile.Read(ref _calls);

    public Task<DiscoveryOutcome> DiscoverAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(Outcome);
    }
}
