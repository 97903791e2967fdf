using System.Collections.Concurrent;
using SlurmK8s.RedBox.Callers;

namespace SlurmK8s.Tests.Fakes;

/// <summary>The pods on a node, held by UID; <see cref="OnFind"/> runs inside a lookup (e.g. to replace a process meanwhile).</summary>
internal sealed class FakePodDirectory(string nodeName = "node-1") : IPodDirectory
{
    private readonly ConcurrentDictionary<string, PodIdentity> _pods = new(StringComparer.Ordinal);
    private int _lookups;

    public string NodeName => nodeName;

    public bool HasSynced { get; set; } = true;

    /// <summary>Runs during each lookup, before it answers.</summary>
    public Action<string>? OnFind { get; set; }

    /// <summary>How many lookups were made.</summary>
    public int Lookups => Volatile.Read(ref _lookups);

    public FakePodDirectory Add(PodIdentity pod)
    {
        _pods[pod.Uid] = pod;
        return this;
    }

    public Task<PodIdentity?> FindAsync(string podUid, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lookups);
        OnFind?.Invoke(podUid);
        return Task.FromResult(_pods.GetValueOrDefault(podUid));
    }
}
