using SlurmK8s.RedBox.Callers;

namespace SlurmK8s.Tests.RedBox.Callers;

/// <summary>Passes each resolution on to <paramref name="inner"/>, counting them and keeping the peers it saw.</summary>
internal sealed class CountingCallerResolver(ICallerResolver inner) : ICallerResolver
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public async Task<CallerResolution> ResolveAsync(PeerCredentials peer, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return await inner.ResolveAsync(peer, cancellationToken);
    }
}
