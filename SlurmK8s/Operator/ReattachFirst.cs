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
/// their jobs; it is never exceeded by a newcomer admitted after the loss was seen. Only the re-attaching jobs the
/// operator believes (<see cref="ReattachClaims"/>) hold others back or get the priority; <see cref="SlotQueue"/>
/// applies these rules with admission's, in that order.
/// </remarks>
internal static class ReattachFirst
{
    /// <summary>How often a newcomer held back looks again (the re-attaching pods are usually placed within seconds).</summary>
    public static readonly TimeSpan HoldRecheck = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest a re-attaching job holds newcomers back (a companion is usually placed within seconds); which claims
    /// are believed, and since when, is <see cref="ReattachClaims"/>'.
    /// </summary>
    public static readonly TimeSpan HoldLimit = TimeSpan.FromMinutes(2);

    /// <summary>Slurm has this job (pending or running) and its companion pod is gone, going, finished or not yet placed.</summary>
    public static bool IsReattaching(SlurmJob job, V1Pod? pod) =>
        job.Metadata.DeletionTimestamp is null
        && !SlurmJobPhase.IsFinished(job.Status?.Phase)
        && job.Status?.Slurm is { } slurm && slurm.State?.IsFinished() != true
        && !IsPlaced(pod);

    /// <summary>Not yet submitted by anyone: Slurm has no job for it, and its companion pod (if any) has not been placed on a node.</summary>
    public static bool IsNewcomer(SlurmJob job) => job.Status?.Slurm is null && job.Metadata.DeletionTimestamp is null && !SlurmJobPhase.IsFinished(job.Status?.Phase);

    /// <summary>
    /// Two SlurmJobs compete for a budget when some Ready node satisfies both their nodeSelectors: a node that is down
    /// (its kubelet gone) places neither, so its re-attaching jobs hold back no one who can run elsewhere.
    /// </summary>
    public static bool Compete(SlurmJob a, SlurmJob b, IReadOnlyCollection<V1Node> nodes) =>
        nodes.Any(n => NodeSelection.IsReady(n) && NodeSelection.Allows(a, n) && NodeSelection.Allows(b, n));

    /// <summary>Its companion's requests fit some Ready node it may land on, busy or not: it could be placed at all.</summary>
    public static bool CouldBePlaced(SlurmJob job, IReadOnlyDictionary<string, decimal> requests, IReadOnlyCollection<V1Node> nodes) =>
        NodeSelection.CouldHold(job, requests, nodes).Count > 0;

    /// <summary>A live companion on a node: not going, not finished.</summary>
    public static bool IsPlaced(V1Pod? pod) => IsLive(pod) && IsOnANode(pod!);

    /// <summary>A newcomer's pod the scheduler has not placed: deleting it loses nothing (its companion never ran).</summary>
    public static bool IsUnplaced(V1Pod pod) => pod.Metadata.DeletionTimestamp is null && !IsOnANode(pod);

    private static bool IsLive(V1Pod? pod) => pod is { Metadata.DeletionTimestamp: null, Status.Phase: not ("Succeeded" or "Failed") };

    /// <summary>The scheduler placed it (whatever became of it since).</summary>
    public static bool IsOnANode(V1Pod pod) => !string.IsNullOrEmpty(pod.Spec?.NodeName);
}
