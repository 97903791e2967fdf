namespace SlurmK8s.RedBox.Callers;

/// <summary>The pods on red-box's own node, found by UID.</summary>
internal interface IPodDirectory
{
    /// <summary>The node whose pods these are, for messages.</summary>
    string NodeName { get; }

    /// <summary>True once the pods on the node have been listed.</summary>
    bool HasSynced { get; }

    /// <summary>
    /// The pod with this UID, waiting briefly for one the watch has not delivered yet (a pod that just started);
    /// null when no such pod is on the node.
    /// </summary>
    Task<PodIdentity?> FindAsync(string podUid, CancellationToken cancellationToken);
}
