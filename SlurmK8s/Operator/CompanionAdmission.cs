using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>
/// Pure: whether a newcomer's companion pod would find room in a node's <c>slurm.sylabs.io/*</c> budget now. A pod the
/// scheduler cannot place waits in its backoff queue, which kube-scheduler empties once a second, so a slot freed by an
/// ending companion waited half a second on average for the next pod; a pod created when there is room is placed at
/// once. So a newcomer gets its pod only when some Ready node it may land on has room, and waits pod-less (oldest first)
/// until a companion ends.
/// </summary>
internal static class CompanionAdmission
{
    /// <summary>How often a newcomer waiting for room looks again, besides being woken when a companion ends.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromSeconds(10);

    /// <summary>How long a pod the operator made counts as taking room before it is placed (one made with room is placed in milliseconds).</summary>
    public static readonly TimeSpan Placing = TimeSpan.FromSeconds(10);

    /// <summary>
    /// True when every Ready node the job may land on, able to hold its requests at all, has them taken by live companion
    /// pods (placed there, or not yet placed and allowed there and able to fit; which pods count is the caller's). A job no node could ever hold is not held: its pod is
    /// made and the scheduler says why it cannot be placed.
    /// </summary>
    public static bool MustWait(SlurmJob job, IReadOnlyDictionary<string, string> requests, IReadOnlyCollection<V1Node> nodes, IEnumerable<V1Pod> companions)
    {
        if (requests.Count == 0)
        {
            return false;
        }
        var candidates = NodeSelection.Candidates(job, nodes).Where(n => NodeSelection.IsReady(n) && NodeSelection.Fits(requests, n)).ToList();
        if (candidates.Count == 0)
        {
            return false;
        }
        var live = companions.Where(p => p.Status?.Phase is not ("Succeeded" or "Failed")).ToList();
        return !candidates.Any(node => HasRoom(node, requests, live));
    }

    private static bool HasRoom(V1Node node, IReadOnlyDictionary<string, string> requests, IReadOnlyList<V1Pod> live)
    {
        var offered = node.Status?.Allocatable ?? node.Status?.Capacity;
        if (offered is null)
        {
            return true;
        }
        var taking = live.Where(p => p.Spec?.NodeName == node.Metadata.Name || (string.IsNullOrEmpty(p.Spec?.NodeName) && MayLandOn(p, node) && FitsAtAll(p, offered))).ToList();
        foreach (var (key, amount) in requests)
        {
            var used = taking.Sum(p => Requested(p, key));
            if (!offered.TryGetValue(key, out var total) || used + new ResourceQuantity(amount).ToDecimal() > total.ToDecimal())
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A pod not yet placed takes room only where it could be placed at all.</summary>
    private static bool FitsAtAll(V1Pod pod, IDictionary<string, ResourceQuantity> offered) =>
        offered.Where(o => SlurmNodeKeys.IsOurs(o.Key)).All(o => Requested(pod, o.Key) <= o.Value.ToDecimal())
        && (pod.Spec?.Containers ?? []).SelectMany(c => (c.Resources?.Limits ?? c.Resources?.Requests)?.Keys ?? [])
            .Where(SlurmNodeKeys.IsOurs).All(offered.ContainsKey);

    private static bool MayLandOn(V1Pod pod, V1Node node) => NodeSelection.Matches(pod.Spec?.NodeSelector, node);

    private static decimal Requested(V1Pod pod, string key) =>
        pod.Spec?.Containers?.Sum(c => (c.Resources?.Limits ?? c.Resources?.Requests) is { } asked && asked.TryGetValue(key, out var q) ? q.ToDecimal() : 0m) ?? 0m;
}
