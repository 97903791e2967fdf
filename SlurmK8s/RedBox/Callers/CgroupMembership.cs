namespace SlurmK8s.RedBox.Callers;

/// <summary>Where <see cref="CgroupPodUid.Classify"/> places a process.</summary>
/// <param name="PodUid">The pod's UID (8-4-4-4-12 lower-case hex, dashes) when <see cref="Kind"/> is Pod.</param>
/// <param name="Problem">Why the placement is unclear, as a predicate whose subject is the file ("names different pods (…)").</param>
internal sealed record CgroupMembership(CgroupMembershipKind Kind, string? PodUid = null, string? Problem = null)
{
    public static CgroupMembership HostProcess { get; } = new(CgroupMembershipKind.HostProcess);

    public static CgroupMembership InPod(string podUid) => new(CgroupMembershipKind.Pod, podUid);

    public static CgroupMembership Unclear(string problem) => new(CgroupMembershipKind.Unclear, Problem: problem);
}
