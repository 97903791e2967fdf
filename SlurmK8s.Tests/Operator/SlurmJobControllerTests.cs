using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;
using SlurmK8s.Operator;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Fakes;
using SlurmK8s.Tests.Kube;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

namespace SlurmK8s.Tests.Operator;

/// <summary>The controller acts from the informer caches, and a cache that lags behind cannot make it act or announce twice.</summary>
internal sealed class SlurmJobControllerTests
{
    private FakeKubeApi _kube = null!;
    private FakeCache<SlurmJob> _jobs = null!;
    private FakeCache<V1Pod> _pods = null!;
    private FakeCache<V1Node> _nodes = null!;
    private OperatorMetrics _metrics = null!;
    private SlurmJobController _controller = null!;

    [SetUp]
    public void SetUp()
    {
        _kube = new FakeKubeApi();
        (_jobs, _pods, _nodes) = (new FakeCache<SlurmJob>(), new FakeCache<V1Pod>(), new FakeCache<V1Node>());
        _metrics = new OperatorMetrics();
        _controller = new SlurmJobController(_kube, _jobs, _pods, _nodes, new CompanionPodOptions { Image = "slurmk8s:test" }, _metrics, TimeProvider.System,
            NullLogger<SlurmJobController>.Instance);
    }

    [TearDown]
    public void TearDown() => _metrics.Dispose();

    [Test]
    public async Task Reconcile_FromTheCaches_CreatesThePodAndWritesTheStatusWithoutReadingTheServer()
    {
        _kube.AddSlurmJob(Job());
        _kube.OnRead = what => throw new AssertionException($"read from the server: {what}");
        SyncCaches();

        var again = await _controller.ReconcileAsync("default/cow", CancellationToken.None);
        SyncCaches();
        await _controller.ReconcileAsync("default/cow", CancellationToken.None);

        Assert.That(again, Is.Null);
        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.EqualTo(new[] { "cow-job" }));
        var stored = _kube.StoredSlurmJob("default", "cow")!;
        Assert.That((stored.Status!.Phase, stored.Status.PodName), Is.EqualTo((SlurmJobPhase.Pending, "cow-job")));
        Assert.That(stored.Metadata.Finalizers, Does.Contain(SlurmJobReconciler.Finalizer));
        Assert.That(_kube.StatusPatches, Is.EqualTo(1), "podName went in with the pod's creation; the second pass saw it done");
        Assert.That(_kube.Events.Select(e => e.Reason), Is.EqualTo(new[] { "CreatedPod" }), "one event, announced once");
    }

    [Test]
    public async Task Reconcile_WhenTheJobFinishes_WritesTheStatusAnnouncesItAndThenLetsGoSoDeletingItIsImmediate()
    {
        _kube.AddSlurmJob(Job().WithFinalizer().WithSlurm(12, "RUNNING"));
        await _kube.CreatePodAsync(Pod(), CancellationToken.None);
        SyncCaches();
        await _controller.ReconcileAsync("default/cow", CancellationToken.None);
        await _kube.PatchSlurmJobStatusAsync("default", "cow", KubeApiContract.Patch(new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 12, State = SlurmK8s.Slurm.JobState.Completed, ExitCode = 0 } }), CancellationToken.None);
        SyncCaches();

        await _controller.ReconcileAsync("default/cow", CancellationToken.None);

        var stored = _kube.StoredSlurmJob("default", "cow")!;
        Assert.That(stored.Status!.Phase, Is.EqualTo(SlurmJobPhase.Succeeded));
        Assert.That(stored.Metadata.Finalizers, Is.Null.Or.Empty, "a finished job has nothing left to cancel");
        Assert.That(_kube.Events.Count(e => e.Reason == SlurmJobPhase.Succeeded), Is.EqualTo(1));

        _kube.DeleteSlurmJob("default", "cow");

        Assert.That(_kube.StoredSlurmJob("default", "cow"), Is.Null, "no finalizer: gone without the operator");
        Assert.That(_kube.Events.Select(e => e.Reason), Does.Not.Contain("Released"));
    }

    [Test]
    public async Task Reconcile_FromACacheBehindItsOwnWrites_WaitsForTheWatchesAndWritesNothing()
    {
        _kube.AddSlurmJob(Job().WithFinalizer());
        SyncCaches();
        await _controller.ReconcileAsync("default/cow", CancellationToken.None);
        var announced = _kube.Events.Count;
        var written = _kube.StatusPatches;

        // The caches have not yet seen the pod nor the status write: a pass now could only lose its writes.
        var again = await _controller.ReconcileAsync("default/cow", CancellationToken.None);

        Assert.That(again, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(SlurmJobController.CachePatience), "the watch events bring the key back sooner");
        Assert.That(_kube.Pods, Has.Count.EqualTo(1));
        Assert.That((_kube.StatusPatches, _kube.Events.Count), Is.EqualTo((written, announced)));
        Assert.That(announced, Is.GreaterThan(0));
    }

    [Test]
    public async Task Reconcile_WhenAnotherWriterChangedTheJobSinceTheCacheSawIt_LosesTheWriteAnnouncesNothingAndLooksAgainSoon()
    {
        _kube.AddSlurmJob(Job().WithFinalizer());
        SyncCaches();
        // The companion reports after the cache was read: the version the pass plans from is no longer the stored one.
        await _kube.PatchSlurmJobStatusAsync("default", "cow", KubeApiContract.Patch(new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 4 } }), CancellationToken.None);

        var again = await _controller.ReconcileAsync("default/cow", CancellationToken.None);

        Assert.That(again, Is.EqualTo(SlurmJobController.ConflictRequeue), "a lost status write is looked at again soon, not as a failure");
        Assert.That(_kube.Events, Is.Empty, "the status write lost to the newer version, so no event went out");
        Assert.That(_kube.StoredSlurmJob("default", "cow")!.Status!.Phase, Is.Null);
    }

    [Test]
    public async Task Reconcile_StatusWriteFails_PostsNoEvent()
    {
        _kube.AddSlurmJob(Job().WithFinalizer());
        _kube.OnPatchStatus = key => throw FakeKubeApi.Unavailable($"patch status of SlurmJob {key}");
        SyncCaches();

        Assert.That(() => _controller.ReconcileAsync("default/cow", CancellationToken.None), Throws.TypeOf<KubeApiException>());

        Assert.That(_kube.Events, Is.Empty, "events describe a status that was written");
    }

    [Test]
    public async Task Reconcile_ServiceAccountMissing_SaysWhichAndHowToFixItOnceAndLooksAgainLater()
    {
        var (scheduled, warnings) = await RefusedTwiceAsync(_ =>
            "pods \"cow-job\" is forbidden: error looking up service account default/slurm-companion: serviceaccount \"slurm-companion\" not found");

        Assert.That(scheduled.Reason, Is.EqualTo(SlurmJobController.ServiceAccountMissing));
        Assert.That(scheduled.Message, Does.Contain("serviceaccount/slurm-companion").And.Contain("namespace default")
            .And.Contain("kubectl apply -n default -f manifests/companion-rbac.yaml"));
        Assert.That(warnings.Select(e => (e.Reason, e.Message)), Is.EqualTo(new[] { (scheduled.Reason, scheduled.Message) }), "one Warning, not one per pass");
    }

    [Test]
    public async Task Reconcile_PodForbiddenByTheNamespacesQuota_SaysWhichRuleAndWhatThePodAsksOnce_AndLooksAgainLater()
    {
        // kube-apiserver 1.20's words; what the quota has in use changes between the two tries.
        var (scheduled, warnings) = await RefusedTwiceAsync(tries =>
            $"pods \"cow-job\" is forbidden: exceeded quota: compute, requested: requests.memory=32Mi, used: requests.memory={tries * 32}Mi, limited: requests.memory=64Mi");

        Assert.That(scheduled.Reason, Is.EqualTo(SlurmJobController.PodForbidden));
        Assert.That(scheduled.Message, Is.EqualTo("Kubernetes forbids companion pod cow-job in namespace default: exceeded quota: compute, requested: requests.memory=32Mi, "
            + "limited: requests.memory=64Mi; it asks for cpu 10m, memory 32Mi (at most 128Mi), and is tried again every 30 s"));
        Assert.That(warnings.Select(e => (e.Reason, e.Message)), Is.EqualTo(new[] { (scheduled.Reason, scheduled.Message) }), "one Warning, though the quota's use changed between the tries");

        _kube.OnCreatePod = null;
        SyncCaches();
        await _controller.ReconcileAsync("default/cow", CancellationToken.None);

        Assert.That(_kube.StoredPod("default", "cow-job"), Is.Not.Null, "once the quota lets it in, the pod is made");
    }

    /// <summary>
    /// Two passes of default/cow whose pod creation the API server forbids (403, the message <paramref name="why"/> gives
    /// for each try): both look again after <see cref="SlurmJobController.ForbiddenPodRecheck"/>, the job is Pending with
    /// Scheduled=False and no pod. Returns that condition and the Warning events.
    /// </summary>
    private async Task<(V1Condition Scheduled, List<KubeEvent> Warnings)> RefusedTwiceAsync(Func<int, string> why)
    {
        _kube.AddSlurmJob(Job().WithFinalizer());
        var tries = 0;
        _kube.OnCreatePod = key =>
        {
            var said = why(++tries);
            throw new KubeApiException(403, "Forbidden", $"create pod {key}: {said} (HTTP 403)", serverMessage: said);
        };
        SyncCaches();

        var first = await _controller.ReconcileAsync("default/cow", CancellationToken.None);
        SyncCaches();
        var second = await _controller.ReconcileAsync("default/cow", CancellationToken.None);

        Assert.That((first, second, tries), Is.EqualTo((SlurmJobController.ForbiddenPodRecheck, SlurmJobController.ForbiddenPodRecheck, 2)));
        var stored = _kube.StoredSlurmJob("default", "cow")!;
        var scheduled = stored.Status!.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((stored.Status.Phase, scheduled.Status), Is.EqualTo((SlurmJobPhase.Pending, "False")));
        Assert.That(_kube.Pods, Is.Empty);
        return (scheduled, [.. _kube.Events.Where(e => e.Type == KubeEventType.Warning)]);
    }

    [Test]
    public async Task Reconcile_ATenantWhoseNamespaceForbidsItsPods_HoldsNoRoomForAnotherTenant()
    {
        // Attack: team-a's own ResourceQuota (or LimitRange) refuses every companion pod of its namespace; its job is the
        // oldest, so admission gives it the node's one slot first.
        _nodes.Set(SlurmNode("vm", cpus: 1));
        var blocked = In("team-a", Job("blocked").WithFinalizer());
        blocked.Metadata.CreationTimestamp = Now;
        var honest = In("team-b", Job("honest").WithFinalizer());
        honest.Metadata.CreationTimestamp = Now.AddSeconds(1);
        _kube.AddSlurmJob(blocked);
        _kube.AddSlurmJob(honest);
        _kube.OnCreatePod = key => throw new KubeApiException(403, "Forbidden",
            $"create pod {key}: pods \"blocked-job\" is forbidden: failed quota: compute: must specify limits.cpu (HTTP 403)",
            serverMessage: "pods \"blocked-job\" is forbidden: failed quota: compute: must specify limits.cpu");
        SyncAll();

        await _controller.ReconcileAsync("team-a/blocked", CancellationToken.None);
        _kube.OnCreatePod = key => { if (key.StartsWith("team-a/", StringComparison.Ordinal)) { throw new KubeApiException(403, "Forbidden", "forbidden (HTTP 403)"); } };
        await _controller.ReconcileAsync("team-b/honest", CancellationToken.None);

        Assert.That(_kube.StoredSlurmJob("team-a", "blocked")!.Status!.Conditions!.Single(c => c.Type == JobConditions.Scheduled).Message,
            Does.Contain("forbids companion pod blocked-job in namespace team-a: failed quota: compute: must specify limits.cpu;"));
        Assert.That(_kube.Pods.Select(p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}"), Is.EqualTo(new[] { "team-b/honest-job" }),
            "the room given to the refused pod came back at once");
    }

    [Test]
    public async Task Reconcile_ReattachPriorityClassMissing_CreatesThePodWithoutItAndSaysHowToFixIt()
    {
        _kube.AddSlurmJob(Job().WithFinalizer().WithSlurm(12, "RUNNING"));
        var refusals = 0;
        _kube.OnCreatePod = key =>
        {
            if (refusals++ == 0)
            {
                throw new KubeApiException(403, "Forbidden", $"create pod {key}: pods \"cow-job\" is forbidden: no PriorityClass with name slurmk8s-reattach was found (HTTP 403)");
            }
        };
        SyncCaches();

        await _controller.ReconcileAsync("default/cow", CancellationToken.None);

        var pod = _kube.Pods.Single();
        Assert.That(pod.Spec.PriorityClassName, Is.Null, "better placed late than not at all");
        var warning = _kube.Events.Single(e => e.Reason == "PriorityClassMissing");
        Assert.That(warning.Message, Does.Contain("slurmk8s-reattach").And.Contain("kubectl apply -f manifests/priorityclass.yaml").And.Contain("--reattach-priority-class=none"));
    }

    [Test]
    public async Task Reconcile_PodNameTakenByAPodTheCachesDoNotHold_ReadsItOnceAndSaysWhoseItIs()
    {
        _kube.AddSlurmJob(Job().WithFinalizer());
        // Someone's own pod, without our label: the pod informer never sees it.
        await _kube.CreatePodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "cow-job", NamespaceProperty = "default" }, Spec = new V1PodSpec() }, CancellationToken.None);
        SyncCaches();
        _pods.Set();

        var again = await _controller.ReconcileAsync("default/cow", CancellationToken.None);

        Assert.That(again, Is.EqualTo(SlurmJobReconciler.ForeignPodRecheck));
        var scheduled = _kube.StoredSlurmJob("default", "cow")!.Status!.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((scheduled.Status, scheduled.Reason), Is.EqualTo(("False", "PodNameTaken")));
        Assert.That(_kube.Pods, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Reconcile_JobNotInTheCache_DoesNothing()
    {
        _kube.AddSlurmJob(Job());

        var again = await _controller.ReconcileAsync("default/cow", CancellationToken.None);

        Assert.That(again, Is.Null);
        Assert.That((_kube.Pods.Count, _kube.StatusPatches, _kube.Events.Count), Is.EqualTo((0, 0, 0)));
    }

    [Test]
    public async Task Reconcile_JobsThatLostTheirCompanionsWhileSlurmRunsThem_GetTheirSlotsBeforeJobsNotYetSubmitted()
    {
        // "old" ran on the node and its job is RUNNING in Slurm; "new" waits, unplaced, for a slot. Then the companion pods are deleted.
        var node = new V1Node { Metadata = new V1ObjectMeta { Name = "vm", Labels = new Dictionary<string, string> { ["slurm.sylabs.io/workload-manager"] = "slurm" } } };
        _kube.AddSlurmJob(Job("old").WithFinalizer());
        _nodes.Set(node);
        Sync("old");
        await _controller.ReconcileAsync("default/old", CancellationToken.None);
        _kube.PlacePod("default", "old-job", "vm");
        Sync("old");
        await _controller.ReconcileAsync("default/old", CancellationToken.None);
        await _kube.PatchSlurmJobStatusAsync("default", "old", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 12, State = JobStates.Parse("RUNNING") } }, CancellationToken.None);
        var elsewhere = Job("far").WithFinalizer();
        elsewhere.Spec.NodeSelector = new Dictionary<string, string> { ["slurm.sylabs.io/cluster"] = "second" };
        _kube.AddSlurmJob(Job("new").WithFinalizer());
        _kube.AddSlurmJob(elsewhere);
        Sync("old", "new");
        await _controller.ReconcileAsync("default/new", CancellationToken.None);
        await _kube.DeletePodAsync("default", "old-job", CancellationToken.None);
        Sync("old", "new");

        await _controller.ReconcileAsync("default/old", CancellationToken.None);

        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "old-job" }), "the newcomer's unplaced pod gave way; the re-attaching one was made");
        Assert.That(_kube.Pods.Single().Spec.PriorityClassName, Is.EqualTo("slurmk8s-reattach"));
        Sync("old", "new", "far");
        var later = await _controller.ReconcileAsync("default/new", CancellationToken.None);
        await _controller.ReconcileAsync("default/far", CancellationToken.None);

        Assert.That(later, Is.EqualTo(ReattachFirst.HoldRecheck));
        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "old-job", "far-job" }), "no node takes both far and old: far is not held back");
        var waiting = _kube.StoredSlurmJob("default", "new")!.Status!.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((waiting.Status, waiting.Reason), Is.EqualTo(("Unknown", "WaitingForReattach")));
        Assert.That(waiting.Message, Does.Contain("default/old"));

        _kube.PlacePod("default", "old-job", "vm");
        Sync("old", "new", "far");
        await _controller.ReconcileAsync("default/old", CancellationToken.None);
        Sync("old", "new", "far");
        await _controller.ReconcileAsync("default/new", CancellationToken.None);

        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.SupersetOf(new[] { "old-job", "new-job" }), "once placed, the newcomers follow");
    }

    [Test]
    public async Task Reconcile_ANewcomersPodPlacedMeanwhile_IsNotDeleted()
    {
        var node = new V1Node { Metadata = new V1ObjectMeta { Name = "vm" } };
        _kube.AddSlurmJob(Job("old").WithFinalizer().WithSlurm(12, "RUNNING"));
        _kube.AddSlurmJob(Job("new").WithFinalizer());
        _nodes.Set(node);
        Sync("new");
        await _controller.ReconcileAsync("default/new", CancellationToken.None);
        Sync("old", "new");
        _kube.PlacePod("default", "new-job", "vm");   // after the caches were read: its companion may run already

        await _controller.ReconcileAsync("default/old", CancellationToken.None);

        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "old-job", "new-job" }));
    }

    [Test]
    public async Task Reconcile_ATenantClaimingSlurmRunsAJobNoNodeCouldEverHold_HoldsBackNoOtherTenant()
    {
        // Attack: team-a writes status.slurm RUNNING (its companion's service account can) on a job asking more than any
        // node has, so its companion is never placed and would "re-attach" for ever.
        _nodes.Set(SlurmNode("vm", cpus: 6));
        _kube.AddSlurmJob(In("team-a", Job("forged", "#!/bin/sh\n#SBATCH --cpus-per-task=64\ntrue\n").WithFinalizer().WithSlurm(4242, "RUNNING")));
        _kube.AddSlurmJob(In("team-b", Job("waiting").WithFinalizer()));
        _kube.AddSlurmJob(In("team-b", Job("later").WithFinalizer()));
        SyncAll();
        await _controller.ReconcileAsync("team-b/waiting", CancellationToken.None);
        SyncAll();

        await _controller.ReconcileAsync("team-a/forged", CancellationToken.None);
        SyncAll();
        var later = await _controller.ReconcileAsync("team-b/later", CancellationToken.None);

        Assert.That(_kube.Pods.Select(p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}"),
            Is.EquivalentTo(new[] { "team-b/waiting-job", "team-a/forged-job", "team-b/later-job" }), "team-b's pods are neither deleted nor held back");
        Assert.That(later, Is.Not.EqualTo(ReattachFirst.HoldRecheck));
    }

    [Test]
    public async Task Reconcile_AReattachingJobNotPlacedWithinTheLimit_HoldsNoOneBackAfterIt()
    {
        // Attack: a claim that fits a node but whose companion is kept from being placed holds others back only so long.
        UseClock(out var clock);
        _nodes.Set(SlurmNode("vm", cpus: 6));
        _kube.AddSlurmJob(In("team-a", Job("forged").WithFinalizer().WithSlurm(4242, "RUNNING")));
        _kube.AddSlurmJob(In("team-b", Job("honest").WithFinalizer()));
        SyncAll();
        await _controller.ReconcileAsync("team-a/forged", CancellationToken.None);
        SyncAll();

        var held = await _controller.ReconcileAsync("team-b/honest", CancellationToken.None);
        Assert.That(held, Is.EqualTo(ReattachFirst.HoldRecheck), "within the limit a job in Slurm comes first");
        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "forged-job" }));

        clock.Advance(ReattachFirst.HoldLimit);
        SyncAll();
        await _controller.ReconcileAsync("team-b/honest", CancellationToken.None);
        SyncAll();
        await _controller.ReconcileAsync("team-a/forged", CancellationToken.None);

        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "forged-job", "honest-job" }),
            "past the limit the newcomer gets its pod, and the unplaced claimant does not delete it");
    }

    [Test]
    public async Task Reconcile_ATenantRewritingItsClaimAndMakingNewForgedJobs_NeverHoldsAnotherTenantsJobsBack()
    {
        // Attack: team-a, with its companion's service account, writes status.slurm RUNNING on jobs whose companions were
        // never placed, makes a new such job every 100 s, and blanks and rewrites the last one's claim.
        UseClock(out var clock);
        _nodes.Set(SlurmNode("vm", cpus: 6));
        _kube.AddSlurmJob(In("team-b", Job("first").WithFinalizer()));
        SyncAll();
        await _controller.ReconcileAsync("team-b/first", CancellationToken.None);   // the operator runs; nothing re-attaches

        for (var round = 0; round < 4; round++)
        {
            _kube.AddSlurmJob(In("team-a", Job($"forged-{round}").WithFinalizer().WithSlurm(4242 + round, "RUNNING")));
            SyncAll();
            await _controller.ReconcileAsync($"team-a/forged-{round}", CancellationToken.None);
            if (round > 0)
            {
                await RewriteClaimAsync("team-a", $"forged-{round - 1}", 4242 + round - 1);
            }
            _kube.AddSlurmJob(In("team-b", Job($"honest-{round}").WithFinalizer()));
            SyncAll();
            var next = await _controller.ReconcileAsync($"team-b/honest-{round}", CancellationToken.None);
            await _controller.ReconcileAsync($"team-a/forged-{round}", CancellationToken.None);

            Assert.That(next, Is.Not.EqualTo(ReattachFirst.HoldRecheck), $"round {round}: team-b is not held back");
            clock.Advance(TimeSpan.FromSeconds(100));
        }

        Assert.That(_kube.Pods.Where(p => p.Metadata.NamespaceProperty == "team-b").Select(p => p.Metadata.Name),
            Is.EquivalentTo(new[] { "first-job", "honest-0-job", "honest-1-job", "honest-2-job", "honest-3-job" }), "none of team-b's pods was deleted or held back");
        Assert.That(_kube.Pods.Where(p => p.Metadata.NamespaceProperty == "team-a").Select(p => p.Spec.PriorityClassName), Is.All.Null,
            "a claim on a job never placed gets no priority over others");
    }

    [Test]
    public async Task Reconcile_AJobThatHadASlotRewritingItsClaim_HoldsOthersBackForOneWindowNotANewOne()
    {
        // A job whose companion was placed, then lost, holds newcomers back: that is the rule. Its tenant blanking and
        // rewriting status.slurm must not start the 2-minute window again.
        UseClock(out var clock);
        _nodes.Set(SlurmNode("vm", cpus: 6));
        _kube.AddSlurmJob(In("team-a", Job("ran").WithFinalizer()));
        SyncAll();
        await _controller.ReconcileAsync("team-a/ran", CancellationToken.None);
        _kube.PlacePod("team-a", "ran-job", "vm");
        SyncAll();
        await _controller.ReconcileAsync("team-a/ran", CancellationToken.None);   // seen on a node: it had a slot
        await _kube.PatchSlurmJobStatusAsync("team-a", "ran", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 77, State = JobStates.Parse("RUNNING") } }, CancellationToken.None);
        await _kube.DeletePodAsync("team-a", "ran-job", CancellationToken.None);
        SyncAll();
        await _controller.ReconcileAsync("team-a/ran", CancellationToken.None);
        Assert.That(_kube.StoredPod("team-a", "ran-job")!.Spec.PriorityClassName, Is.EqualTo("slurmk8s-reattach"), "a job that had a slot goes first");

        _kube.AddSlurmJob(In("team-b", Job("newcomer").WithFinalizer()));
        SyncAll();
        Assert.That(await _controller.ReconcileAsync("team-b/newcomer", CancellationToken.None), Is.EqualTo(ReattachFirst.HoldRecheck), "held within the window");

        clock.Advance(TimeSpan.FromSeconds(100));
        await RewriteClaimAsync("team-a", "ran", 77);
        clock.Advance(TimeSpan.FromSeconds(30));
        SyncAll();
        var after = await _controller.ReconcileAsync("team-b/newcomer", CancellationToken.None);

        Assert.That(after, Is.Not.EqualTo(ReattachFirst.HoldRecheck), "the rewrite did not open a new window");
        Assert.That(_kube.StoredPod("team-b", "newcomer-job"), Is.Not.Null);
    }

    /// <summary>Node vm offers one Slurm CPU, and SlurmJob "running"'s companion is placed there and takes it.</summary>
    private async Task FillTheOneCpuOfVmAsync()
    {
        _nodes.Set(SlurmNode("vm", cpus: 1));
        _kube.AddSlurmJob(Job("running").WithFinalizer());
        SyncAll();
        await _controller.ReconcileAsync("default/running", CancellationToken.None);
        _kube.PlacePod("default", "running-job", "vm");
    }

    [Test]
    public async Task Reconcile_ANewcomerWhileTheBudgetIsTaken_GetsNoPodUntilACompanionEnds_AndTheLongestWaitingIsWokenFirst()
    {
        await FillTheOneCpuOfVmAsync();
        var older = Job("older").WithFinalizer();
        older.Metadata.CreationTimestamp = Now;
        var newer = Job("newer").WithFinalizer();
        newer.Metadata.CreationTimestamp = Now.AddSeconds(1);
        _kube.AddSlurmJob(newer);
        _kube.AddSlurmJob(older);
        SyncAll();

        var recheck = await _controller.ReconcileAsync("default/newer", CancellationToken.None);
        await _controller.ReconcileAsync("default/older", CancellationToken.None);

        Assert.That(recheck, Is.EqualTo(CompanionAdmission.Recheck));
        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "running-job" }), "no pod to wait in the scheduler's backoff queue");
        var waiting = _kube.StoredSlurmJob("default", "newer")!.Status!.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((waiting.Status, waiting.Reason), Is.EqualTo(("Unknown", "WaitingForBudget")));
        Assert.That(_controller.Slots.NextInLine(1), Is.EqualTo(new[] { "default/older" }));

        _kube.SetPodPhase("default", "running-job", "Succeeded");
        SyncAll();
        await _controller.ReconcileAsync("default/older", CancellationToken.None);
        SyncAll();
        await _controller.ReconcileAsync("default/newer", CancellationToken.None);

        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "running-job", "older-job" }), "the slot went to the older; the newer waits on");
        Assert.That(_controller.Slots.NextInLine(2), Is.EqualTo(new[] { "default/newer" }));
    }

    [Test]
    public async Task Reconcile_TwoNewcomersWokenForOneFreedSlot_OnlyOneGetsAPod_BeforeThePodCacheShowsIt()
    {
        // Two newcomers are woken by one ending companion, and the work queue's workers run their passes side by side:
        // the second must count the slot the first was given before the first's pod reaches the pod cache, or both get
        // a pod and the scheduler refuses one (into its backoff queue, the delay admission is there to avoid).
        await FillTheOneCpuOfVmAsync();
        _kube.AddSlurmJob(Job("first").WithFinalizer());
        _kube.AddSlurmJob(Job("second").WithFinalizer());
        _kube.SetPodPhase("default", "running-job", "Succeeded");
        SyncAll();

        await _controller.ReconcileAsync("default/first", CancellationToken.None);
        var recheck = await _controller.ReconcileAsync("default/second", CancellationToken.None);   // the pod cache has not seen first-job

        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "running-job", "first-job" }));
        Assert.That(recheck, Is.EqualTo(CompanionAdmission.Recheck), "the second waits for the next slot");
    }

    [Test]
    public async Task Reconcile_ANewcomerAdmittedWhoseScriptTurnsOutBad_HoldsNoRoomForOthers()
    {
        _nodes.Set(SlurmNode("vm", cpus: 1));
        var bad = Job("bad").WithFinalizer();
        bad.Spec.Batch = "#!/bin/sh\n#SBATCH --cpus-per-task=zero\ntrue\n";
        _kube.AddSlurmJob(bad);
        _kube.AddSlurmJob(Job("good").WithFinalizer());
        SyncAll();

        await _controller.ReconcileAsync("default/bad", CancellationToken.None);
        await _controller.ReconcileAsync("default/good", CancellationToken.None);

        Assert.That(_kube.StoredSlurmJob("default", "bad")!.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
        Assert.That(_kube.Pods.Select(p => p.Metadata.Name), Is.EquivalentTo(new[] { "good-job" }), "a job that made no pod gives its room back at once");
    }

    [Test]
    public async Task Reconcile_ATenantsHandMadePodsThatAreNeverPlaced_HoldNoOneBackForRoom()
    {
        // Attack: team-a makes pods with the companion label and slurm.sylabs.io requests (its own SlurmJob's name, its
        // owner reference) that something keeps from ever being placed, enough to fill the node's budget on paper.
        UseClock(out var clock);
        _nodes.Set(SlurmNode("vm", cpus: 2));
        _kube.AddSlurmJob(In("team-b", Job("honest").WithFinalizer()));
        _kube.AddSlurmJob(In("team-b", Job("late").WithFinalizer()));
        for (var i = 0; i < 2; i++)
        {
            var fake = Pod("Pending", nodeName: null);
            fake.Metadata = new V1ObjectMeta
            {
                Name = $"fake-{i}-job", NamespaceProperty = "team-a",
                Labels = new Dictionary<string, string> { [CompanionPod.JobLabel] = $"fake-{i}" },
            };
            fake.Spec.NodeSelector = new Dictionary<string, string> { [SlurmNodeKeys.WorkloadManagerLabel] = SlurmNodeKeys.WorkloadManagerValue };
            fake.Spec.Containers = [new V1Container { Name = "c", Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { [SlurmK8s.Slurm.Sbatch.SlurmResourceRequests.Cpu] = new("1") } } }];
            await _kube.CreatePodAsync(fake, CancellationToken.None);
        }
        SyncAll();

        var next = await _controller.ReconcileAsync("team-b/honest", CancellationToken.None);

        Assert.That(next, Is.Not.EqualTo(CompanionAdmission.Recheck));
        Assert.That(_kube.StoredPod("team-b", "honest-job"), Is.Not.Null, "pods the operator did not make count only once placed");

        // honest-job (made by the operator, 1 CPU) and one more fill the node while the scheduler has not placed them; past
        // the placing time a pod of ours still unplaced waits on something else and holds no one.
        _kube.AddSlurmJob(In("team-b", Job("third").WithFinalizer()));
        SyncAll();
        await _controller.ReconcileAsync("team-b/late", CancellationToken.None);
        SyncAll();
        Assert.That(await _controller.ReconcileAsync("team-b/third", CancellationToken.None), Is.EqualTo(CompanionAdmission.Recheck));
        clock.Advance(CompanionAdmission.Placing + TimeSpan.FromSeconds(1));
        SyncAll();
        await _controller.ReconcileAsync("team-b/third", CancellationToken.None);
        Assert.That(_kube.StoredPod("team-b", "third-job"), Is.Not.Null);
    }

    /// <summary>What a tenant can do with its companion's service account: blank status.slurm, then write it again.</summary>
    private async Task RewriteClaimAsync(string namespaceName, string name, long jobId)
    {
        await _kube.PatchSlurmJobStatusAsync(namespaceName, name, new System.Text.Json.Nodes.JsonObject { ["slurm"] = null }, CancellationToken.None);
        SyncAll();
        await _controller.ReconcileAsync(ObjectKey.Of(namespaceName, name), CancellationToken.None);
        await _kube.PatchSlurmJobStatusAsync(namespaceName, name, new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = jobId, State = JobStates.Parse("RUNNING") } }, CancellationToken.None);
        SyncAll();
        await _controller.ReconcileAsync(ObjectKey.Of(namespaceName, name), CancellationToken.None);
    }

    private void UseClock(out ManualTimeProvider clock)
    {
        clock = new ManualTimeProvider(new DateTimeOffset(Now));
        _controller = new SlurmJobController(_kube, _jobs, _pods, _nodes, new CompanionPodOptions { Image = "slurmk8s:test" }, _metrics, clock,
            NullLogger<SlurmJobController>.Instance);
    }

    private void Sync(params string[] names)
    {
        _jobs.Set(names.Select(n => _kube.StoredSlurmJob("default", n)));
        _pods.Set(_kube.Pods);
    }

    private void SyncAll()
    {
        _jobs.Set(_kube.SlurmJobs);
        _pods.Set(_kube.Pods);
    }

    private static SlurmJob In(string namespaceName, SlurmJob job)
    {
        job.Metadata.NamespaceProperty = namespaceName;
        return job;
    }

    private static V1Node SlurmNode(string name, int cpus)
    {
        var offered = new Dictionary<string, ResourceQuantity> { [SlurmK8s.Slurm.Sbatch.SlurmResourceRequests.Cpu] = new(cpus.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        // As resourced labels it: companion pods select the label, so only then may one land there.
        var labels = new Dictionary<string, string> { [SlurmNodeKeys.WorkloadManagerLabel] = SlurmNodeKeys.WorkloadManagerValue };
        return new V1Node { Metadata = new V1ObjectMeta { Name = name, Labels = labels }, Status = new V1NodeStatus { Capacity = offered, Allocatable = offered } };
    }

    private void SyncCaches()
    {
        _jobs.Set(_kube.StoredSlurmJob("default", "cow"));
        _pods.Set(_kube.Pods);
    }
}
