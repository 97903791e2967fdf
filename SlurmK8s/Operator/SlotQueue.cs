using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>
/// Who gets the next slot in a node's <c>slurm.sylabs.io/*</c> budget, in one place. First the re-attaching SlurmJobs
/// the operator believes (<see cref="ReattachFirst"/>, <see cref="ReattachClaims"/>): Slurm runs them already, so the
/// slot is theirs; while one could be placed, a newcomer that may land on the same nodes gets no pod, and a newcomer's
/// pod not yet placed in its way is deleted. Then the newcomers: one gets its pod when a node it may land on has room
/// (<see cref="CompanionAdmission"/>), else waits pod-less until a companion's end wakes the next in line
/// (<see cref="Concerning"/>: the namespace holding the fewest slots first, then the longest waiting,
/// <see cref="WaitingNewcomers"/>), or its next look.
/// </summary>
/// <remarks>
/// Reads the informer caches; what it keeps (believed claims, the waiting, the pods made lately, demands) is the
/// operator's own, kept by each job's pass, and safe for the work queue's concurrent passes.
/// </remarks>
internal sealed class SlotQueue(ICache<SlurmJob> jobs, ICache<V1Pod> pods)
{
    /// <summary>How many of the newcomers waiting for room a companion's end wakes (a few: passes that find no room cost little).</summary>
    public const int WakePerEnd = 2;

    /// <summary>Which re-attaching SlurmJobs this operator believes, and since when (on its own clock: nothing a tenant writes).</summary>
    private readonly ReattachClaims _claims = new(ReattachFirst.HoldLimit);
    private readonly WaitingNewcomers _waiting = new();
    private readonly CompanionDemands _demands = new();
    private readonly PlacedCompanions _placed = new(pods);
    private readonly RecentlyMadePods _madeLately = new(pods);
    private readonly Lock _admitting = new();
    private static readonly IReadOnlyDictionary<string, int> NoSlots = new Dictionary<string, int>();

    /// <summary>The job's <see cref="CompanionDemand"/> on these nodes, read from the nodes cache at <paramref name="nodesVersion"/>.</summary>
    public CompanionDemand DemandOf(string key, SlurmJob job, IReadOnlyCollection<V1Node> nodes, long nodesVersion) =>
        _demands.For(key, job, nodes, nodesVersion);

    /// <summary>
    /// The job's place in line, added to what is observed of it: whether the operator believes it had a slot (then its
    /// new companion goes first); if it re-attaches and holds others back, the newcomers' unplaced pods in its way; if it
    /// is a newcomer, the re-attaching jobs ahead of it, or else whether every node it may use is full.
    /// </summary>
    public ObservedJob PlaceInLine(string key, ObservedJob observed, long nodesVersion)
    {
        var (job, pod, nodes, now) = (observed.Job, observed.Pod, observed.Nodes, observed.Now);
        _claims.Seed(() => jobs.Snapshot().Select(j => (ObjectKey.Of(j.Metadata.NamespaceProperty, j.Metadata.Name), j, CompanionOf(j))), now);
        _claims.Observe(key, job, pod, now);
        observed = observed with { HadASlot = _claims.HadASlot(key, job) };
        if (ReattachFirst.IsReattaching(job, pod))
        {
            _waiting.Leave(key);
            return HoldsBack(key, job, pod, observed.Demand, nodes, now) ? observed with { NewcomerPodsInTheWay = NewcomerPodsInTheWayOf(job, nodes) } : observed;
        }
        if (pod is not null || !ReattachFirst.IsNewcomer(job))
        {
            _waiting.Leave(key);
            return observed;
        }
        // First the believed re-attaching jobs that could take the same slot ...
        var ahead = ReattachingAhead(job, nodes, nodesVersion, now);
        // ... then the newcomers, while there is room: looked at and taken in one step, so two passes side by side
        // cannot both take the last of it.
        bool mustWait, givenRoom;
        lock (_admitting)
        {
            mustWait = ahead.Count == 0 && CompanionAdmission.MustWait(job, observed.Demand.Amounts, nodes, () => new TakenRoom(_placed.ByNode(), _madeLately.Unplaced(now)));
            givenRoom = ahead.Count == 0 && !mustWait;
            if (givenRoom)
            {
                _madeLately.Made(PodKeyOf(job), CompanionPod.NodeSelectorFor(job), observed.Demand.Amounts, now);
            }
        }
        if (mustWait)
        {
            _waiting.Wait(key, job.Metadata.CreationTimestamp ?? now);
        }
        else
        {
            _waiting.Leave(key);
        }
        return observed with { ReattachingAhead = ahead, BudgetFull = mustWait, GivenRoom = givenRoom };
    }

    /// <summary>
    /// The SlurmJobs a change to this companion pod concerns: its own (the label names it), and, when the pod has ended,
    /// is being deleted, or is gone from the cache (deleted, or found vanished at a relist), the next newcomers in line
    /// for room, first first, so its slot goes on at once rather than at their next look.
    /// </summary>
    public IReadOnlyList<string> Concerning(V1Pod reported)
    {
        var keys = new List<string>(1 + WakePerEnd);
        if (reported.Metadata.Labels?.TryGetValue(CompanionPod.JobLabel, out var job) == true)
        {
            keys.Add(ObjectKey.Of(reported.Metadata.NamespaceProperty, job));
        }
        var present = pods.TryGet(ObjectKey.Of(reported.Metadata), out var cached) && cached.Metadata.Uid == reported.Metadata.Uid ? cached : null;
        if (present is null || !TakenRoom.TakesRoom(present) || present.Metadata.DeletionTimestamp is not null)
        {
            keys.AddRange(NextInLine(WakePerEnd));
        }
        return keys;
    }

    /// <summary>The newcomers next in line for room, first first: the namespace holding the fewest slots, then the longest waiting.</summary>
    /// <remarks>Asked at every companion's end: the slots are counted (a pass over the pod cache when it changed) only when two namespaces wait.</remarks>
    public IReadOnlyList<string> NextInLine(int count) => _waiting.Next(count, _waiting.Namespaces > 1 ? _placed.SlotsByNamespace() : NoSlots);

    /// <summary>This operator made the companion pod now: it takes room before it is placed (a re-attaching job's too).</summary>
    public void Made(V1Pod pod, DateTime now) => _madeLately.Made(pod, now);

    /// <summary>The job was given room but made no pod (its pass planned none, or Kubernetes refused it): the room comes back.</summary>
    public void GiveBack(SlurmJob job) => _madeLately.GiveBack(PodKeyOf(job));

    /// <summary>The SlurmJob is gone: nothing of it is kept.</summary>
    public void Forget(string key)
    {
        _claims.Forget(key);
        _demands.Forget(key);
        _waiting.Leave(key);
    }

    /// <summary>A believed re-attaching job holds newcomers back within its window, and only if its companion could be placed at all.</summary>
    private bool HoldsBack(string key, SlurmJob job, V1Pod? pod, CompanionDemand demand, IReadOnlyCollection<V1Node> nodes, DateTime now) =>
        _claims.HoldsBack(key, job, pod, now) && ReattachFirst.CouldBePlaced(job, demand.Amounts, nodes);

    /// <summary>
    /// The believed re-attaching jobs that come before this newcomer. They are few and short-lived, and
    /// <see cref="ReattachClaims"/> keeps them, updated by each job's own pass: a newcomer looks only at those.
    /// </summary>
    private List<string> ReattachingAhead(SlurmJob newcomer, IReadOnlyCollection<V1Node> nodes, long nodesVersion, DateTime now)
    {
        var ahead = new List<string>();
        foreach (var other in _claims.Open)
        {
            if (jobs.TryGet(other, out var first) && ReattachFirst.Compete(newcomer, first, nodes)
                && HoldsBack(other, first, CompanionOf(first), _demands.For(other, first, nodes, nodesVersion), nodes, now))
            {
                ahead.Add(other);
            }
        }
        return ahead;
    }

    /// <summary>The newcomers' pods not yet placed that could take this re-attaching job's slot, each as read (only a job that holds others back looks).</summary>
    private List<PodVersion> NewcomerPodsInTheWayOf(SlurmJob job, IReadOnlyCollection<V1Node> nodes)
    {
        var inTheWay = new List<PodVersion>();
        foreach (var other in pods.Snapshot())
        {
            if (ReattachFirst.IsUnplaced(other) && OwnerOf(other) is { } owner && ReattachFirst.IsNewcomer(owner) && ReattachFirst.Compete(job, owner, nodes))
            {
                inTheWay.Add(new PodVersion(other.Metadata.NamespaceProperty, other.Metadata.Name, other.Metadata.ResourceVersion, owner.Metadata.Name));
            }
        }
        return inTheWay;
    }

    private V1Pod? CompanionOf(SlurmJob job) => pods.TryGet(PodKeyOf(job), out var pod) ? pod : null;

    private static string PodKeyOf(SlurmJob job) => ObjectKey.Of(job.Metadata.NamespaceProperty, CompanionPod.NameFor(job.Metadata.Name));

    private SlurmJob? OwnerOf(V1Pod pod) =>
        pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == SlurmJob.KindName) is { } owner
        && jobs.TryGet(ObjectKey.Of(pod.Metadata.NamespaceProperty, owner.Name), out var job) && job.Metadata.Uid == owner.Uid
            ? job
            : null;
}
