using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;

namespace SlurmK8s.Operator;

/// <summary>
/// Pure: the rule that keeps a node's <c>slurm.sylabs.io/*</c> budget true after companions were lost (deleted, evicted,
/// their node restarted). A SlurmJob whose job Slurm already has — pending or running, so holding its share of the
/// cluster — and whose companion pod is gone or not yet placed is <em>re-attaching</em>: its slot is taken in Slurm already,
/// so a job not yet submitted that could land on the same nodes must not get it first. Such a newcomer gets no companion
/// pod while one re-attaches, and a newcomer's pod the scheduler has not placed yet is deleted (it never ran, so it has
/// submitted nothing) and made again afterwards. The re-attaching pod also carries the PriorityClass
/// <c>slurmk8s-reattach</c> (<see cref="CompanionPod"/>), so the scheduler prefers it when both wait.
/// </summary>
/// <remarks>
/// A newcomer's pod that was placed before the companions were lost may already run and have submitted: it is left alone
/// (deleting it would cancel nothing and lose its output), so the budget can be exceeded by those few for the length of
/// their jobs; it is never exceeded by a newcomer admitted after the loss was seen.
/// </remarks>
internal static class ReattachFirst
{
    /// <summary>How often a newcomer held back looks again (the re-attaching pods are usually placed within seconds).</summary>
    public static readonly TimeSpan HoldRecheck = TimeSpan.FromSeconds(5);

    /// <summary>The longest a re-attaching job holds newcomers back (a companion is usually placed within seconds).</summary>
    public static readonly TimeSpan HoldLimit = TimeSpan.FromMinutes(2);

    /// <summary>Slurm has this job (pending or running) and its companion pod is gone, going, finished or not yet placed.</summary>
    public static bool IsReattaching(SlurmJob job, V1Pod? pod) =>
        job.Metadata.DeletionTimestamp is null
        && !SlurmJobPhase.IsFinished(job.Status?.Phase)
        && job.Status?.Slurm is { } slurm && slurm.State?.IsFinished() != true
        && !IsPlaced(pod);

    /// <summary>Not yet submitted by anyone: Slurm has no job for it, and its companion pod (if any) has not been placed on a node.</summary>
    public static bool IsNewcomer(SlurmJob job) => job.Status?.Slurm is null && job.Metadata.DeletionTimestamp is null && !SlurmJobPhase.IsFinished(job.Status?.Phase);

    /// <summary>A newcomer's pod the scheduler has not placed: deleting it loses nothing (its companion never ran).</summary>
    public static bool IsUnplaced(V1Pod pod) =>
        string.IsNullOrEmpty(pod.Spec?.NodeName) && pod.Metadata.DeletionTimestamp is null;

    /// <summary>
    /// Two SlurmJobs compete for a budget when some Ready node satisfies both their nodeSelectors: a node that is down
    /// (its kubelet gone) places neither, so its re-attaching jobs hold back no one who can run elsewhere.
    /// </summary>
    public static bool Compete(SlurmJob a, SlurmJob b, IReadOnlyCollection<V1Node> nodes) =>
        nodes.Any(n => NodeSelection.IsReady(n) && NodeSelection.Allows(a, n) && NodeSelection.Allows(b, n));

    /// <summary>
    /// A re-attaching job holds newcomers back only while that can help it: for at most <see cref="HoldLimit"/> since the
    /// operator first saw it re-attach, and only if its companion's requests fit some Ready node it may land on.
    /// </summary>
    /// <remarks>
    /// <c>status.slurm</c> is written by the companion's service account, which a tenant can use in its own namespace, so
    /// "Slurm has this job" may be false. Both bounds keep such a claim from holding other tenants' jobs back for good: a
    /// job that can never be placed holds no one, and one that is not placed within the limit stops holding.
    /// </remarks>
    public static bool HoldsBack(SlurmJob job, DateTime reattachingSince, DateTime now, IReadOnlyCollection<V1Node> nodes)
    {
        if (now - reattachingSince >= HoldLimit)
        {
            return false;
        }
        var requests = CompanionRequests.For(job, nodes);
        return NodeSelection.Candidates(job, nodes).Any(n => NodeSelection.IsReady(n) && NodeSelection.Fits(requests, n));
    }

    private static bool IsPlaced(V1Pod? pod) =>
        pod is { Metadata.DeletionTimestamp: null, Status.Phase: not ("Succeeded" or "Failed") } && !string.IsNullOrEmpty(pod.Spec?.NodeName);
}
