namespace SlurmK8s.RedBox.Callers;

/// <summary>A red-box given no Kubernetes credentials knows no pods: every caller in a pod is refused, host callers go by uid.</summary>
internal sealed class NoPods(string nodeName) : IPodDirectory
{
    public string NodeName { get; } = nodeName;

    public bool HasSynced => true;

    public Task<PodIdentity?> FindAsync(string podUid, CancellationToken cancellationToken) => Task.FromResult<PodIdentity?>(null);
}
