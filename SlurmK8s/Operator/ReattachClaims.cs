using System.Collections.Concurrent;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>
/// The operator's own memory, for <see cref="ReattachFirst"/> (<see cref="SlotQueue"/> owns it), of which re-attaching
/// SlurmJobs it believes. A job's <c>status.slurm</c> says Slurm has its job, but it is written by the companion's
/// service account, which a tenant can use in its own namespace: the claim alone proves nothing. The operator believes it only of a job whose companion it
/// saw on a node (that job had a slot, and if Slurm has it still, it still uses it), or that was re-attaching when this
/// operator started (it could not have seen those placed).
/// </summary>
/// <remarks>
/// A believed job holds others back from when it was first seen re-attaching for at most <see cref="ReattachFirst.HoldLimit"/>.
/// Rewriting the status (blanking <c>status.slurm</c> and setting it again) does not start that window again; only
/// a new placement of its companion does, and a placement takes a real slot. So a tenant forging the claim on a job
/// never placed holds no one back and gets no priority, and one whose job was placed gets a window per placement, as a
/// real loss would. Kept per "namespace/name" with the SlurmJob's UID, so a job recreated under the same name starts unbelieved.
/// A job lost before any pass of this operator saw its companion placed (placed and lost within one busy queue's delay)
/// is not believed: it is then placed as a newcomer would be.
/// </remarks>
internal sealed class ReattachClaims(TimeSpan holdLimit)
{
    /// <summary>The jobs whose companion was seen on a node, by key, with the SlurmJob's UID.</summary>
    private readonly ConcurrentDictionary<string, string> _hadASlot = new(StringComparer.Ordinal);

    /// <summary>The believed jobs re-attaching now or since their last placement (few, and short-lived).</summary>
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    private int _seeded;

    /// <summary>Once, from the caches when this operator starts: what it finds re-attaching, it believes.</summary>
    public void Seed(Func<IEnumerable<(string Key, SlurmJob Job, V1Pod? Pod)>> found, DateTime now)
    {
        if (Interlocked.Exchange(ref _seeded, 1) == 1)
        {
            return;
        }
        foreach (var (key, job, pod) in found())
        {
            if (ReattachFirst.IsReattaching(job, pod))
            {
                _hadASlot[key] = job.Metadata.Uid;
            }
            Observe(key, job, pod, now);
        }
    }

    /// <summary>What one pass of the job sees: its companion placed (a slot, and an end to its window), or it re-attaching.</summary>
    public void Observe(string key, SlurmJob job, V1Pod? pod, DateTime now)
    {
        var uid = job.Metadata.Uid;
        if (job.Metadata.DeletionTimestamp is not null || SlurmJobPhase.IsFinished(job.Status?.Phase))
        {
            Forget(key);
            return;
        }
        if (pod is not null && ReattachFirst.IsOnANode(pod) && IsControlledBy(pod, uid))
        {
            _hadASlot[key] = uid;
            if (ReattachFirst.IsPlaced(pod))
            {
                _windows.TryRemove(key, out _);
                return;
            }
        }
        if (ReattachFirst.IsReattaching(job, pod) && HadASlot(key, job))
        {
            var window = _windows.GetOrAdd(key, _ => new Window(uid, now));
            if (window.Uid != uid)
            {
                _windows[key] = new Window(uid, now);
            }
        }
    }

    public void Forget(string key)
    {
        _hadASlot.TryRemove(key, out _);
        _windows.TryRemove(key, out _);
    }

    /// <summary>The operator saw this job's companion on a node (or found it re-attaching at start).</summary>
    public bool HadASlot(string key, SlurmJob job) => _hadASlot.TryGetValue(key, out var uid) && uid == job.Metadata.Uid;

    /// <summary>The believed jobs with a window open (re-attaching now, or since their last placement): the keys to look at.</summary>
    public IEnumerable<string> Open => _windows.Keys;

    /// <summary>
    /// This believed job, re-attaching, holds newcomers back: within its window (whether its companion could be placed at
    /// all is <see cref="SlotQueue"/>'s to add: a job that can never be placed helps no one by waiting).
    /// </summary>
    public bool HoldsBack(string key, SlurmJob job, V1Pod? pod, DateTime now) =>
        _windows.TryGetValue(key, out var window) && window.Uid == job.Metadata.Uid && now - window.Since < holdLimit
        && ReattachFirst.IsReattaching(job, pod);

    private static bool IsControlledBy(V1Pod pod, string uid) =>
        pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == uid) == true;

    private sealed record Window(string Uid, DateTime Since);
}
