using SlurmK8s.RedBox.Callers;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// Lets a test act as any caller: while <see cref="Acting"/> is set, every connection red-box accepts is taken to be that
/// caller (set it, open a new channel, make its first call). With none set, the kernel's word (a host process here).
/// The kernel side of identification has tests of its own (RedBox/Callers); these test what red-box does with a caller.
/// </summary>
internal sealed class ActingCallers : ICallerResolver
{
    private readonly CallerResolver _kernel = new(new Fakes.FakePodDirectory());

    public Caller? Acting { get; set; }

    public Task<CallerResolution> ResolveAsync(PeerCredentials peer, CancellationToken cancellationToken) =>
        Acting is { } acting ? Task.FromResult(CallerResolution.Identified(acting)) : _kernel.ResolveAsync(peer, cancellationToken);
}
