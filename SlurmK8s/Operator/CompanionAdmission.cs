using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>
/// Pure: whether a newcomer's companion pod would find room in a node's <c>slurm.sylabs.io/*</c> budget now. A pod the
/// scheduler cannot place waits in its backoff queue, which kube-scheduler empties once a second, so a slot freed by an
/// ending companion waited half a second on average for the next pod; a pod created when there is room is placed at
/// once. So a newcomer gets its pod only when some Ready node it may land on has room, and waits pod-less (oldest first)
/// until a companion ends; <see cref="SlotQueue"/> asks, after the re-attaching jobs have had their turn.
/// </summary>
internal static class CompanionAdmission
{
    /// <summary>How often a newcomer waiting for room looks again, besides being woken when a companion ends.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromSeconds(10);

    /// <summary>How long a pod the operator made counts as taking room before it is placed (one made with room is placed in milliseconds).</summary>
    public static readonly TimeSpan Placing = TimeSpan.FromSeconds(10);

    /// <summary>
    /// True when every Ready node the job may land on, able to hold its requests at all, has them taken by live companion
    /// pods (<see cref="TakenRoom"/>; which pods count is the caller's). A job no node could ever hold is not held: its
    /// pod is made and the scheduler says why it cannot be placed.
    /// </summary>
    /// <remarks><paramref name="taken"/> is asked only when there is a node to ask about: a job with no requests, or one no node could hold, costs no count of what is taken.</remarks>
    public static bool MustWait(SlurmJob job, IReadOnlyDictionary<string, decimal> requests, IReadOnlyCollection<V1Node> nodes, Func<TakenRoom> taken)
    {
        if (requests.Count == 0)
        {
            return false;
        }
        var candidates = NodeSelection.CouldHold(job, requests, nodes);
        if (candidates.Count == 0)
        {
            return false;
        }
        var takenNow = taken();
        return !candidates.Any(node => NodeSelection.HasRoom(requests, node, takenNow.On(node)));
    }
}
