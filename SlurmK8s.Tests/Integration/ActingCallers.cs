using SlurmK8s.RedBox.Callers;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// Lets a test act as any caller: the next connection red-box accepts is taken to be <see cref="Next"/> (set it, then open
/// a new channel and make its first call). With none set, the kernel's word, as red-box has it (a host process here).
/// The kernel side of identification has tests of its own (RedBox/Callers); these test what red-box does with a caller.
/// </summary>
internal sealed class ActingCallers : ICallerResolver
{
    private readonly CallerResolver _kernel = new(new Fakes.FakePodDirectory());

    public Caller? Next { get; set; }

    /// <summary>While set, every new connection is taken to be this caller (benchmarks compare it with the kernel's way).</summary>
    public Caller? Always { get; set; }

    public Task<CallerResolution> ResolveAsync(PeerCredentials peer, CancellationToken cancellationToken) =>
        (Next ?? Always) is { } acting ? Task.FromResult(CallerResolution.Identified(acting)) : _kernel.ResolveAsync(peer, cancellationToken);
}
