namespace SlurmK8s.RedBox.Callers;

/// <summary>What a process's cgroups say about where it runs.</summary>
internal enum CgroupMembershipKind
{
    /// <summary>Not in a Kubernetes pod: a process on the host (a service, a login session, a plain container).</summary>
    HostProcess,

    /// <summary>In exactly one pod, whose UID the cgroup paths carry.</summary>
    Pod,

    /// <summary>The text cannot be read with certainty (malformed, names two pods, or looks like a pod without a readable UID): refuse.</summary>
    Unclear,
}
