using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;
using SlurmK8s.Operator;
using SlurmK8s.Tests.Fakes;
using static SlurmK8s.Tests.Builders.BudgetBuilder;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

namespace SlurmK8s.Tests.Operator;

/// <summary>Who gets the next slot: believed re-attaching jobs first, then newcomers, the namespace holding the fewest slots first and oldest within; and whom a pod's change wakes.</summary>
internal sealed class SlotQueueTests
{
    private FakeCache<SlurmJob> _jobs = null!;
    private FakeCache<V1Pod> _pods = null!;
    private SlotQueue _slots = null!;
    private V1Node[] _nodes = [];
    private long _nodesVersion;

    [SetUp]
    public void SetUp()
    {
        (_jobs, _pods) = (new FakeCache<SlurmJob>(), new FakeCache<V1Pod>());
        _slots = new SlotQueue(_jobs, _pods);
        (_nodes, _nodesVersion) = ([CpuNode("vm", 1)], 1);
    }

    private static SlurmJob Made(string name, DateTime at, string batch = "#!/bin/sh\ntrue\n")
    {
        var job = Job(name, batch);
        job.Metadata.CreationTimestamp = at;
        return job;
    }

    /// <summary>The job's companion, labelled and owned as the operator makes it.</summary>
    private static V1Pod CompanionOf(SlurmJob job, string? node = "vm", string phase = "Running", int cpus = 1)
    {
        var pod = Asking(cpus, CompanionPod.NameFor(job.Metadata.Name), node, phase);
        pod.Metadata.Uid = "pod-" + job.Metadata.Name;
        pod.Metadata.NamespaceProperty = job.Metadata.NamespaceProperty;
        pod.Metadata.Labels = new Dictionary<string, string> { [CompanionPod.JobLabel] = job.Metadata.Name };
        pod.Metadata.OwnerReferences = [new V1OwnerReference { Kind = SlurmJob.KindName, Name = job.Metadata.Name, Uid = job.Metadata.Uid, Controller = true }];
        return pod;
    }

    private static SlurmJob In(string namespaceName, SlurmJob job)
    {
        job.Metadata.NamespaceProperty = namespaceName;
        job.Metadata.Uid = $"{namespaceName}-{job.Metadata.Name}";
        return job;
    }

    /// <summary>One pass of the job: what the controller observes, with its place in line.</summary>
    private ObservedJob Pass(SlurmJob job, V1Pod? pod = null)
    {
        var key = ObjectKey.Of(job.Metadata);
        return _slots.PlaceInLine(key, new ObservedJob(job, pod, _nodes, _slots.DemandOf(key, job, _nodes, _nodesVersion), Now), _nodesVersion);
    }

    [Test]
    public void PlaceInLine_ABelievedReattachingJobComesFirst_ThenTheNewcomersOldestFirst_AsRoomAllows()
    {
        var lost = Made("lost", Now.AddMinutes(-5));
        var (older, newer) = (Made("older", Now), Made("newer", Now.AddSeconds(1)));
        _jobs.Set(lost, older, newer);
        Pass(lost, CompanionOf(lost));   // seen on a node: it had a slot
        lost.WithSlurm(12, "RUNNING");
        _pods.Set();

        var reattaching = Pass(lost);
        var (first, second) = (Pass(newer), Pass(older));

        Assert.That(reattaching.HadASlot, "its new companion goes first");
        Assert.That((first.ReattachingAhead, second.ReattachingAhead), Is.EqualTo((new[] { "default/lost" }, new[] { "default/lost" })));
        Assert.That((first.BudgetFull, second.BudgetFull), Is.EqualTo((false, false)), "held for the re-attaching job, not for room");

        var placedAgain = CompanionOf(lost);
        _pods.Set(placedAgain);
        Pass(lost, placedAgain);
        (first, second) = (Pass(newer), Pass(older));

        Assert.That((first.ReattachingAhead, second.ReattachingAhead), Is.EqualTo((Array.Empty<string>(), Array.Empty<string>())));
        Assert.That((first.BudgetFull, second.BudgetFull), Is.EqualTo((true, true)), "its companion took the node's one CPU");
        Assert.That(_slots.NextInLine(2), Is.EqualTo(new[] { "default/older", "default/newer" }));

        _pods.Set(CompanionOf(lost, phase: "Succeeded"));
        Assert.That(Pass(older).BudgetFull, Is.False, "its slot went to the longest waiting");
        Assert.That(_slots.NextInLine(2), Is.EqualTo(new[] { "default/newer" }));
    }

    [Test]
    public void PlaceInLine_AReattachingJobNoNodeCouldEverHold_HoldsNoOneBack_UntilANodeGrows()
    {
        var claimant = Made("cow", Now.AddMinutes(-5), "#!/bin/sh\n#SBATCH --cpus-per-task=8\ntrue\n");
        var newcomer = Made("new", Now);
        (_nodes, _nodesVersion) = ([CpuNode("vm", 6)], 1);
        _jobs.Set(claimant, newcomer);
        Pass(claimant, CompanionOf(claimant, cpus: 8));
        claimant.WithSlurm(7, "RUNNING");
        _pods.Set();
        Pass(claimant);

        Assert.That(Pass(newcomer).ReattachingAhead, Is.Empty, "8 CPUs fit no node of 6: waiting helps no one");

        (_nodes, _nodesVersion) = ([CpuNode("vm", 16, version: "2")], 2);
        Assert.That(Pass(newcomer).ReattachingAhead, Is.EqualTo(new[] { "default/cow" }));
    }

    [Test]
    public void Concerning_ASlotFreedByAFloodingTenant_WakesAnotherTenantsLaterJobFirst()
    {
        // Attack: team-a holds both slots of the node and made 20 more SlurmJobs before team-b made its one.
        (_nodes, _nodesVersion) = ([CpuNode("vm", 2)], 1);
        var running = new[] { In("team-a", Made("run-1", Now.AddMinutes(-2))), In("team-a", Made("run-2", Now.AddMinutes(-2))) };
        var flood = Enumerable.Range(0, 20).Select(i => In("team-a", Made($"flood-{i:D2}", Now.AddSeconds(i)))).ToArray();
        var late = In("team-b", Made("late", Now.AddMinutes(5)));
        _jobs.Set([.. running, .. flood, late]);
        _pods.Set([.. running.Select(j => CompanionOf(j))]);
        Array.ForEach([.. flood, late], j => Assert.That(Pass(j).BudgetFull, $"{j.Metadata.Name} waits: the node is full"));

        _pods.Set(CompanionOf(running[0], phase: "Succeeded"), CompanionOf(running[1]));
        var woken = _slots.Concerning(CompanionOf(running[0], phase: "Succeeded"));

        Assert.That(woken, Is.EqualTo(new[] { "team-a/run-1", "team-b/late", "team-a/flood-00" }), "team-b holds no slot, team-a one: team-b's job first");
        Assert.That(Pass(late).BudgetFull, Is.False, "the freed slot is team-b's");
        Assert.That(Pass(flood[0]).BudgetFull, Is.True);
    }

    [Test]
    public void Concerning_WhileOneNamespaceWaits_DoesNotCountEachNamespacesSlots()
    {
        var running = Made("running", Now.AddMinutes(-1));
        var waiting = Made("waiting", Now);
        _jobs.Set(running, waiting);
        _pods.Set(CompanionOf(running));
        Pass(waiting);
        _pods.Set(CompanionOf(running, phase: "Succeeded"));
        var before = _pods.Snapshots;

        var woken = _slots.Concerning(CompanionOf(running, phase: "Succeeded"));

        Assert.That(woken, Is.EqualTo(new[] { "default/running", "default/waiting" }));
        Assert.That(_pods.Snapshots, Is.EqualTo(before), "a companion's end with one namespace waiting reads no pod cache through");
    }

    [Test]
    public void Concerning_APodsOwnJob_AndTheLongestWaitingOnlyWhenItsSlotIsFreed()
    {
        var running = Made("running", Now.AddMinutes(-1));
        var waiting = new[] { Made("w1", Now), Made("w2", Now.AddSeconds(1)), Made("w3", Now.AddSeconds(2)) };
        var pod = CompanionOf(running);
        _jobs.Set([running, .. waiting]);
        _pods.Set(pod);
        Array.ForEach(waiting, w => Pass(w));
        var going = CompanionOf(running);
        going.Metadata.DeletionTimestamp = Now;

        var changed = _slots.Concerning(pod);
        _pods.Set(CompanionOf(running, phase: "Failed"));
        var ended = _slots.Concerning(CompanionOf(running, phase: "Failed"));
        _pods.Set(going);
        var beingDeleted = _slots.Concerning(going);
        var madeAgain = CompanionOf(running);
        madeAgain.Metadata.Uid = "pod-running-2";
        _pods.Set(madeAgain);
        var replaced = _slots.Concerning(pod);
        _pods.Set();
        var deleted = _slots.Concerning(madeAgain);

        Assert.That(changed, Is.EqualTo(new[] { "default/running" }), "a change that frees nothing concerns its own job");
        Assert.That(ended, Is.EqualTo(new[] { "default/running", "default/w1", "default/w2" }), $"its own, and the {SlotQueue.WakePerEnd} waiting longest");
        Assert.That(beingDeleted, Is.EqualTo(ended));
        Assert.That(replaced, Is.EqualTo(ended), "the pod told of is gone: a new one of its name is in the cache");
        Assert.That(deleted, Is.EqualTo(ended), "gone from the cache");
    }

    [Test]
    public async Task Concerning_APodDeletedOrFoundGoneAtARelist_WakesTheLongestWaiting_AndItsRoomIsFree()
    {
        // The pod cache as the operator has it: a ListWatch whose handler asks the queue, as OperatorLoop wires it.
        var source = new FakeWatchSource<V1Pod>();
        var (a, b) = (Made("a", Now.AddMinutes(-2)), Made("b", Now.AddMinutes(-1)));
        var waiting = Made("waiting", Now);
        (_nodes, _nodesVersion) = ([CpuNode("vm", 2)], 1);
        _jobs.Set(a, b, waiting);
        source.SetList("10", CompanionOf(a), CompanionOf(b));
        var told = Channel.CreateUnbounded<(string Pod, IReadOnlyList<string> Keys)>();
        var pods = new ListWatch<V1Pod>(source, _ => { }, NullLogger.Instance);
        _slots = new SlotQueue(_jobs, pods);
        pods.AddHandler(pod => told.Writer.TryWrite((pod.Metadata.Name, _slots.Concerning(pod))));
        using var stop = new CancellationTokenSource();
        var run = pods.RunAsync(stop.Token);
        await pods.WaitForSyncAsync(CancellationToken.None);
        await NextAsync(told);
        await NextAsync(told);
        Assert.That(Pass(waiting).BudgetFull, "a and b take both CPUs");
        var watch = await source.NextWatchAsync();

        // a is deleted at once (its final state says nothing of a deletion); then b goes while no watch looks.
        watch.Send(WatchEventType.Deleted, CompanionOf(a), "11");
        var deleted = await NextAsync(told);
        source.SetList("20");
        watch.Fail(new KubeApiException(410, "Expired", "too old resource version"));
        var vanished = await NextAsync(told);
        var roomAfter = Pass(waiting).BudgetFull;
        await stop.CancelAsync();
        await run;

        Assert.That(deleted, Is.EqualTo(("a-job", new[] { "default/a", "default/waiting" })));
        Assert.That(vanished, Is.EqualTo(("b-job", new[] { "default/b", "default/waiting" })), "reported with its last state, Running: gone all the same");
        Assert.That(roomAfter, Is.False, "both slots are free again");
    }

    private static async Task<(string Pod, IReadOnlyList<string> Keys)> NextAsync(Channel<(string Pod, IReadOnlyList<string> Keys)> told) =>
        await told.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
}
