using System.Globalization;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.Operator;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;
using SlurmK8s.ControllerRuntime;

using SlurmK8s.Tests.Builders;

namespace SlurmK8s.Tests.Operator;

internal sealed class SlurmJobReconcilerTests
{
    private static readonly CompanionPodOptions Options = new() { Image = "slurmk8s:test" };
    private static ReconcilePlan Reconcile(SlurmJob job, V1Pod? pod, DateTime? now = null, params V1Node[] nodes) =>
        SlurmJobReconciler.Reconcile(Observed(job, pod, now, nodes), Options);

    /// <summary>What the controller observes, with the job's demand worked out as it does.</summary>
    private static ObservedJob Observed(SlurmJob job, V1Pod? pod, DateTime? now = null, params V1Node[] nodes) =>
        new(job, pod, nodes, CompanionDemand.Of(job, nodes), now ?? Now);

    [Test]
    public void Reconcile_WhenNewJob_AddsFinalizerCreatesCompanionPodAndRecordsItInOneStatusWriteWithOneEvent()
    {
        var plan = Reconcile(Job(), pod: null);

        Assert.That(plan.AddFinalizer, Is.True);
        Assert.That(plan.CreatePod?.Metadata.Name, Is.EqualTo("cow-job"));
        Assert.That((plan.Status?.Phase, plan.Status?.PodName), Is.EqualTo((SlurmJobPhase.Pending, "cow-job")), "the name is deterministic: no second write for it");
        Assert.That(plan.Events.Select(e => (e.Type, e.Reason, e.Message)),
            Is.EqualTo(new[] { (KubeEventType.Normal, "CreatedPod", "new → Pending: created companion pod cow-job") }), "one event announces the pod and the first phase");
    }

    [Test]
    public void Reconcile_WhenThePassThatCreatedThePodSeesIt_WritesNothing()
    {
        var job = Job().WithFinalizer();
        job.WithOperatorStatus(Reconcile(job, pod: null).Status!);

        var plan = Reconcile(job, Pod("Pending", nodeName: null));

        Assert.That(plan.Status, Is.Null, "podName was written with the pod's creation");
        Assert.That(plan.Events, Is.Empty);
    }

    [Test]
    public void Reconcile_WhenPodUnschedulable_StaysPendingWithTheSchedulersWords()
    {
        const string words = "0/1 nodes are available: 1 Insufficient slurm.sylabs.io/cpu.";

        var plan = Reconcile(Job().WithFinalizer(), Unschedulable(words));

        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Pending));
        var scheduled = plan.Status.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((scheduled.Status, scheduled.Reason, scheduled.Message), Is.EqualTo(("False", "Unschedulable", words)));
        Assert.That(plan.Events, Has.Some.Matches<PlannedEvent>(e => e != null && e.Type == KubeEventType.Warning && e.Message == words));
        Assert.That(plan.CreatePod, Is.Null);
    }

    [TestCase("PENDING", null, SlurmJobPhase.Submitted, null)]
    [TestCase("RUNNING", null, SlurmJobPhase.Running, null)]
    [TestCase("COMPLETING", null, SlurmJobPhase.Running, null)]
    [TestCase("COMPLETED", 0, SlurmJobPhase.Succeeded, "Completed")]
    [TestCase("FAILED", 3, SlurmJobPhase.Failed, "Failed")]
    [TestCase("TIMEOUT", 0, SlurmJobPhase.Failed, "Timeout")]
    [TestCase("OUT_OF_MEMORY", 0, SlurmJobPhase.Failed, "OutOfMemory")]
    [TestCase("NODE_FAIL", 1, SlurmJobPhase.Failed, "NodeFail")]
    [TestCase("CANCELLED by 1000", 0, SlurmJobPhase.Cancelled, "Cancelled")]
    public void Reconcile_FollowsSlurmsState(string slurmState, int? exitCode, string phase, string? finishReason)
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, slurmState, exitCode), Pod());

        Assert.That(plan.Status!.Phase, Is.EqualTo(phase));
        var finished = plan.Status.Conditions?.SingleOrDefault(c => c.Type == JobConditions.Finished);
        Assert.That(finished?.Reason, Is.EqualTo(finishReason));
        Assert.That(plan.Status.Conditions!.Single(c => c.Type == JobConditions.Submitted).Status, Is.EqualTo("True"));
        Assert.That(plan.RemoveFinalizer, Is.EqualTo(finishReason is not null), "a final phase has nothing left to cancel");
    }

    [Test]
    public void Reconcile_WhenSlurmJobFailed_SaysTheExitCodeAndSlurmsReasonAndWarns()
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, "FAILED", 3, "NonZeroExitCode"), FailedPod(3, "job failed"));

        var finished = plan.Status!.Conditions!.Single(c => c.Type == JobConditions.Finished);
        Assert.That(finished.Message, Is.EqualTo("Slurm job 12 ended FAILED (NonZeroExitCode), exit code 3"));
        Assert.That(plan.Events, Has.Some.Matches<PlannedEvent>(e => e != null && e.Type == KubeEventType.Warning && e.Reason == SlurmJobPhase.Failed));
        Assert.That(plan.DeletePod, Is.Null, "a finished job's companion pod stays, as the seed's Completed pod did");
    }

    [Test]
    public void Reconcile_WhenDirectiveCannotBeParsed_FailsWithoutAPod()
    {
        var plan = Reconcile(Job(batch: "#!/bin/sh\n#SBATCH --nodes=abc\necho hi\n").WithFinalizer(), pod: null);

        Assert.That(plan.CreatePod, Is.Null);
        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
        var finished = plan.Status.Conditions!.Single(c => c.Type == JobConditions.Finished);
        Assert.That((finished.Reason, finished.Message), Is.EqualTo(("InvalidBatchDirective", SlurmK8s.Slurm.Sbatch.SbatchScript.Parse("#!/bin/sh\n#SBATCH --nodes=abc\necho hi\n").Error!.Message)));
        Assert.That(finished.Message, Does.Contain("--nodes"));
        Assert.That(plan.RemoveFinalizer, Is.True, "nothing was or will be submitted");
    }

    [Test]
    public void Reconcile_WhenNewJobCanNeverRun_FailsWithoutEverTakingTheFinalizer()
    {
        var plan = Reconcile(Job(batch: "#!/bin/sh\n#SBATCH --nodes=abc\necho hi\n"), pod: null);

        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
        Assert.That((plan.AddFinalizer, plan.RemoveFinalizer), Is.EqualTo((false, false)));
        Assert.That(plan.Events.Select(e => (e.Type, e.Reason)), Is.EqualTo(new[] { (KubeEventType.Warning, SlurmJobPhase.Failed) }), "the first phase is the last: one event");
    }

    [Test]
    public void Reconcile_WhenAFailedSpecIsEdited_TakesTheFinalizerBeforeThePodExists()
    {
        var job = Job(batch: "#!/bin/sh\n#SBATCH --nodes=abc\necho hi\n");
        job.WithOperatorStatus(Reconcile(job, pod: null).Status!);
        job.Spec.Batch = "#!/bin/sh\necho hi\n";
        job.Metadata.Generation = 2;

        var plan = Reconcile(job, pod: null);

        Assert.That(plan.CreatePod, Is.Not.Null);
        Assert.That((plan.AddFinalizer, plan.RemoveFinalizer), Is.EqualTo((true, false)), "the controller adds it before it creates the pod");
        Assert.That(plan.Events.Select(e => e.Message), Is.EqualTo(new[] { "Failed → Pending: created companion pod cow-job" }));
    }

    [Test]
    public void Reconcile_WhenResultsVolumeHasNoSource_FailsNamingTheField()
    {
        var plan = Reconcile(Job().WithFinalizer().WithResults(new V1Volume { Name = "data" }), pod: null);

        Assert.That(plan.CreatePod, Is.Null);
        var finished = plan.Status!.Conditions!.Single(c => c.Type == JobConditions.Finished);
        Assert.That((finished.Reason, finished.Message), Is.EqualTo(("InvalidResultsVolume", "spec.results.mount \"data\" has no volume source Kubernetes knows (hostPath, persistentVolumeClaim, nfs, emptyDir, …): add one")));
    }

    [Test]
    public void Reconcile_WhenResultsVolumeIsAHostPathOutsideThePolicy_FailsNamingThePolicyAndCreatesNoPod()
    {
        var job = Job().WithFinalizer().WithResults(new V1Volume { Name = "data", HostPath = new V1HostPathVolumeSource { Path = "/etc", Type = "Directory" } });

        var plan = Reconcile(job, pod: null);

        Assert.That(plan.CreatePod, Is.Null);
        Assert.That(plan.RequeueAfter, Is.Null, "a spec the policy refuses stays refused until it is edited");
        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
        var finished = plan.Status.Conditions!.Single(c => c.Type == JobConditions.Finished);
        Assert.That(finished.Reason, Is.EqualTo(PodRefusal.ResultsVolumeNotAllowed));
        Assert.That(finished.Message, Does.Contain("hostPath /etc")
            .And.Contain("results-volume policy (types persistentVolumeClaim, nfs, emptyDir, csi, ephemeral; no hostPath)")
            .And.Contain("--results-host-path-prefix"));
        Assert.That(plan.Events, Has.Some.Matches<PlannedEvent>(e => e != null && e.Type == KubeEventType.Warning && e.Message.Contains("/etc", StringComparison.Ordinal)));

        var again = Reconcile(job.WithOperatorStatus(plan.Status), pod: null);

        Assert.That(again.CreatePod, Is.Null, "judged once: no pod on the next pass either");
    }

    [Test]
    public void Reconcile_WhenPodVanishedMidJob_CreatesItAgain()
    {
        var job = Job().WithFinalizer().WithSlurm(12, "RUNNING");
        job.Status!.PodName = "cow-job";

        var plan = Reconcile(job, pod: null);

        Assert.That(plan.CreatePod?.Metadata.Name, Is.EqualTo("cow-job"));
        Assert.That(plan.Events, Has.Some.Matches<PlannedEvent>(e => e != null && e.Reason == "RecreatedPod" && e.Message.Contains("Slurm job 12", StringComparison.Ordinal)));
    }

    [Test]
    public void Reconcile_WhenPodVanishedBeforeItSubmitted_CreatesItAgainAndDoesNotSayItReattaches()
    {
        var job = Job().WithFinalizer();
        job.Status = new SlurmJobStatus { PodName = "cow-job", Phase = SlurmJobPhase.Pending };

        var recreated = Reconcile(job, pod: null).Events.Single(e => e.Reason == "RecreatedPod");

        Assert.That(recreated.Message, Does.Contain("it submits the job").And.Not.Contain("re-attaches"));
    }

    [Test]
    public void Reconcile_WhenJobFinishedAndPodGone_CreatesNothing()
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, "COMPLETED", 0), pod: null);

        Assert.That(plan.CreatePod, Is.Null);
        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Succeeded));
    }

    [Test]
    public void Reconcile_WhenCompanionFailedMidJob_ReplacesIt()
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, "RUNNING"), FailedPod(137, "OOMKilled"));

        Assert.That(plan.DeletePod, Is.EqualTo("cow-job"));
        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Running));
    }

    // The API server was down when the job ended: the companion exited 0 but its last status write never landed.
    [Test]
    public void Reconcile_WhenCompanionExitedButTheStatusStillSaysRunning_ReplacesItToReport()
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, "RUNNING"), EndedPod("Succeeded", 0, "Slurm job 12 COMPLETED (script exit code 0)"));

        Assert.That(plan.DeletePod, Is.EqualTo("cow-job"));
        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Running), "not settled from a guess: the next companion reads Slurm");
        Assert.That(plan.Events.Single(e => e.Reason == "CompanionExited").Message,
            Does.Contain("Slurm job 12").And.Contain("exit code 0: Slurm job 12 COMPLETED (script exit code 0)").And.Contain("re-attaches"));
    }

    [Test]
    public void Reconcile_WhenTheReplacedCompanionIsGone_CreatesOneWithTheReattachPriority()
    {
        var observed = Observed(Job().WithFinalizer().WithSlurm(12, "RUNNING"), null) with { HadASlot = true };

        Assert.That(SlurmJobReconciler.Reconcile(observed, Options).CreatePod!.Spec.PriorityClassName, Is.EqualTo(CompanionPodOptions.DefaultReattachPriorityClass));
        Assert.That(Reconcile(Job().WithFinalizer(), pod: null).CreatePod!.Spec.PriorityClassName, Is.Null, "a job not yet submitted waits its turn");
        Assert.That(SlurmJobReconciler.Reconcile(observed with { HadASlot = false }, Options).CreatePod!.Spec.PriorityClassName, Is.Null,
            "a claim the operator has no reason to believe (it never saw the companion on a node) gets no priority");
    }

    [Test]
    public void Reconcile_WhenCompanionWasKilledWhileCollecting_ReplacesItInsteadOfFailing()
    {
        var job = WithResultsVolume(Job().WithFinalizer().WithSlurm(12, "COMPLETED", 0));

        var killed = Reconcile(job, FailedPod(137, ""));

        Assert.That(killed.DeletePod, Is.EqualTo("cow-job"));
        Assert.That(killed.Status!.Phase, Is.EqualTo(SlurmJobPhase.Running));
        job.WithOperatorStatus(killed.Status);

        var gone = Reconcile(job, pod: null);

        Assert.That(gone.CreatePod, Is.Not.Null, "a new companion collects the results");
        Assert.That(gone.Status?.Phase ?? job.Status!.Phase, Is.EqualTo(SlurmJobPhase.Running), "not Succeeded before the results are in");
    }

    [Test]
    public void Reconcile_WhenAnOutageIsReported_WarnsOnceAndClearsOnceItEnds()
    {
        var outage = new Outage { Component = OutageComponent.RedBox, Where = "/var/run/syslurm/red-box.sock on node node01", Since = new DateTime(2026, 12, 3, 1, 2, 3, DateTimeKind.Utc), Message = "Connection refused" };
        var job = Job().WithFinalizer().WithSlurm(12, "RUNNING").WithReport(new CompanionReport { Outage = outage });

        var down = Reconcile(job, Pod());

        var condition = down.Status!.Conditions!.Single(c => c.Type == JobConditions.SlurmReachable);
        Assert.That((condition.Status, condition.Reason), Is.EqualTo(("False", StatusBuilder.RedBoxUnreachable)));
        Assert.That(condition.Message, Is.EqualTo("red-box does not answer at /var/run/syslurm/red-box.sock on node node01 since 2026-12-03T01:02:03Z: Connection refused"));
        Assert.That(down.Events.Where(e => e.Type == KubeEventType.Warning).Select(e => e.Message), Is.EqualTo(new[] { condition.Message }));
        job.WithOperatorStatus(down.Status);

        job.WithReport(new CompanionReport { Outage = outage with { Message = "No such file or directory" } });
        var still = Reconcile(job, Pod());
        Assert.That(still.Events, Is.Empty, "the same outage in other words is not announced again");
        job.WithOperatorStatus(still.Status ?? job.Status!);

        job.WithReport(new CompanionReport());
        var back = Reconcile(job, Pod());

        var restored = back.Status!.Conditions!.Single(c => c.Type == JobConditions.SlurmReachable);
        Assert.That((restored.Status, restored.Message), Is.EqualTo(("True", "red-box answers again")));
        Assert.That(back.Events.Select(e => (e.Type, e.Reason)), Is.EqualTo(new[] { (KubeEventType.Normal, "SlurmReachable") }));
        job.WithOperatorStatus(back.Status);
        Assert.That(Reconcile(job, Pod()).Events, Is.Empty);
    }

    [Test]
    public void Reconcile_WhenSlurmctldIsDownBehindRedBox_SaysSo()
    {
        var outage = new Outage { Component = OutageComponent.Slurmctld, Where = "cluster linux", Since = new DateTime(2026, 12, 3, 1, 2, 3, DateTimeKind.Utc), Message = "Unable to contact slurm controller" };

        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, "RUNNING").WithReport(new CompanionReport { Outage = outage }), Pod());

        var condition = plan.Status!.Conditions!.Single(c => c.Type == JobConditions.SlurmReachable);
        Assert.That((condition.Reason, condition.Message), Is.EqualTo((StatusBuilder.SlurmctldUnreachable,
            "Slurm's controller does not answer red-box (cluster linux) since 2026-12-03T01:02:03Z: Unable to contact slurm controller")));
    }

    [Test]
    public void Reconcile_WhenThePodIsPlaced_NamesItsNodeAndKeepsItOnceThePodIsGone()
    {
        var job = Job().WithFinalizer().WithSlurm(12, "RUNNING");

        var placed = Reconcile(job, Pod(nodeName: "node02"));
        Assert.That(placed.Status!.NodeName, Is.EqualTo("node02"));
        job.WithOperatorStatus(placed.Status);

        job.WithSlurm(12, "COMPLETED", 0);
        Assert.That(Reconcile(job, pod: null).Status!.NodeName, Is.EqualTo("node02"));
    }

    // Every reason the companion writes when red-box would not submit (until now only SubmitRefused was read: a denied
    // or failed submit ended as a bare CompanionFailed quoting the pod's exit code).
    [TestCase(SubmitFailureReason.SubmitRefused, "sbatch: error: invalid partition specified: nope")]
    [TestCase(SubmitFailureReason.SubmitDenied, "red-box: uid 1000 may not submit")]
    [TestCase(SubmitFailureReason.SubmitFailed, "Slurm did not answer: slurmctld is down")]
    public void Reconcile_WhenRedBoxWouldNotSubmit_FailsWithTheCompanionsWords(SubmitFailureReason reason, string words)
    {
        var plan = Reconcile(Job().WithFinalizer().WithReport(new CompanionReport { SubmitFailure = new SubmitFailure { Reason = reason, Message = words } }), FailedPod(12, "exit 12"));

        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
        var submitted = plan.Status.Conditions!.Single(c => c.Type == JobConditions.Submitted);
        Assert.That((submitted.Status, submitted.Reason, submitted.Message), Is.EqualTo(("False", reason.ToString(), words)));
    }

    [Test]
    public void Reconcile_WhenCompanionDiedBeforeSubmitting_FailsWithItsLastWords()
    {
        var plan = Reconcile(Job().WithFinalizer(), FailedPod(1, "cannot reach red-box at /var/run/syslurm/red-box.sock"));

        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
        Assert.That(plan.Status.Conditions!.Single(c => c.Type == JobConditions.Finished).Message, Does.Contain("cannot reach red-box"));
    }

    [Test]
    public void Reconcile_AppliedTwice_ChangesNothingTheSecondTime()
    {
        var job = Job().WithFinalizer().WithSlurm(12, "RUNNING");
        var first = Reconcile(job, Pod());
        job.WithOperatorStatus(first.Status!);

        var second = Reconcile(job, Pod(), now: Now.AddMinutes(1));

        Assert.That(second.Status, Is.Null);
        Assert.That(second.Events, Is.Empty);
        Assert.That(second.AddFinalizer, Is.False);
    }

    [Test]
    public void Reconcile_WhenPhaseChangesBetweenTheFirstAndTheLast_WritesItAndPostsNoEvent()
    {
        var job = Job().WithFinalizer().WithSlurm(12, "PENDING");
        job.WithOperatorStatus(Reconcile(job, Pod()).Status!);
        job.WithSlurm(12, "RUNNING");

        var plan = Reconcile(job, Pod());

        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Running), "`kubectl get sj` shows it");
        Assert.That(plan.Events, Is.Empty);
    }

    [Test]
    public void Reconcile_WhenPhaseBecomesFinal_PostsOneTransitionEventAndThenLetsGoOfTheJob()
    {
        var job = Job().WithFinalizer().WithSlurm(12, "RUNNING");
        job.WithOperatorStatus(Reconcile(job, Pod()).Status!);
        job.WithSlurm(12, "COMPLETED", 0);

        var plan = Reconcile(job, Pod());

        Assert.That(plan.Events.Select(e => (e.Reason, e.Message)), Is.EqualTo(new[] { ("Succeeded", "Running → Succeeded: Slurm job 12 completed") }));
        Assert.That(plan.RemoveFinalizer, Is.True, "after the final status is written: the controller removes it last");
        job.WithOperatorStatus(plan.Status!).Metadata.Finalizers = null;

        var after = Reconcile(job, Pod("Succeeded"));

        Assert.That((after.Status, after.AddFinalizer, after.RemoveFinalizer), Is.EqualTo(((SlurmJobStatus?)null, false, false)), "a finished job is not taken again");
        Assert.That(after.Events, Is.Empty);
    }

    [Test]
    public void Reconcile_WhenAFinishedJobStillHoldsTheFinalizer_RemovesItWithoutWritingOrAnnouncing()
    {
        // Finished before this operator removed finalizers at the end, or its last pass stopped between the two writes.
        var job = Job().WithFinalizer().WithSlurm(12, "COMPLETED", 0);
        job.WithOperatorStatus(Reconcile(job, Pod()).Status!);

        var plan = Reconcile(job, Pod("Succeeded"));

        Assert.That((plan.Status, plan.RemoveFinalizer), Is.EqualTo(((SlurmJobStatus?)null, true)));
        Assert.That(plan.Events, Is.Empty);
    }

    [Test]
    public void Reconcile_WhenThePodIsPlaced_WritesItWithTheNextChangeNotOnItsOwn()
    {
        var job = Job().WithFinalizer();
        job.WithOperatorStatus(Reconcile(job, pod: null).Status!);

        var placed = Reconcile(job, Pod(nodeName: "node02"));

        Assert.That(placed.Status, Is.Null, "Scheduled=True alone waits for the companion's first report");
        Assert.That(placed.Events, Is.Empty);

        job.WithSlurm(12, "PENDING");
        var submitted = Reconcile(job, Pod(nodeName: "node02"));

        Assert.That((submitted.Status!.Phase, submitted.Status.NodeName), Is.EqualTo((SlurmJobPhase.Submitted, "node02")));
        var scheduled = submitted.Status.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((scheduled.Status, scheduled.Message), Is.EqualTo(("True", "companion pod cow-job runs on node node02")));
        Assert.That(submitted.Events, Is.Empty);
    }

    [Test]
    public void Reconcile_WhenAPodThatCouldNotBePlacedIsPlaced_SaysSoAtOnce()
    {
        var job = Job().WithFinalizer();
        job.WithOperatorStatus(Reconcile(job, pod: null).Status!);
        job.WithOperatorStatus(Reconcile(job, Unschedulable("0/1 nodes are available: 1 Insufficient slurm.sylabs.io/cpu.")).Status!);

        var placed = Reconcile(job, Pod(nodeName: "node02"));

        Assert.That(placed.Status?.Conditions?.Single(c => c.Type == JobConditions.Scheduled).Status, Is.EqualTo("True"), "Scheduled=False is not left standing");
        Assert.That(placed.Status!.NodeName, Is.EqualTo("node02"));
    }

    [Test]
    public void Reconcile_WhenTheReplacementOfACompanionIsPlaced_SaysSoAtOnce()
    {
        // Slurm runs the job and the companion pod was gone: the new one may report nothing new until the job ends.
        var job = Job().WithFinalizer().WithSlurm(12, "RUNNING");
        job.WithOperatorStatus(Reconcile(job, Pod(nodeName: "node01")).Status!);
        job.WithOperatorStatus(Reconcile(job, pod: null).Status!);

        var placed = Reconcile(job, Pod(nodeName: "node02"));

        var scheduled = placed.Status?.Conditions?.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((scheduled?.Status, placed.Status?.NodeName), Is.EqualTo(("True", "node02")));
    }

    // The write budget of a job's happy path, as docs/benchmarks.md counts it: what each pass plans to write.
    [Test]
    public void Reconcile_HappyPath_WritesFourStatusesTwoEventsAndTheFinalizerTwice()
    {
        var job = Job();
        var (statuses, events, finalizers, pods) = (0, new List<string>(), 0, 0);
        void Pass(V1Pod? pod)
        {
            var plan = Reconcile(job, pod);
            statuses += plan.Status is null ? 0 : 1;
            events.AddRange(plan.Events.Select(e => e.Reason));
            pods += plan.CreatePod is null ? 0 : 1;
            if (plan.AddFinalizer || plan.RemoveFinalizer)
            {
                finalizers++;
                job.Metadata.Finalizers = plan.AddFinalizer ? [SlurmJobReconciler.Finalizer] : null;
            }
            if (plan.Status is not null)
            {
                job.WithOperatorStatus(plan.Status);
            }
        }

        Pass(null);                                      // created: finalizer, pod, status, CreatedPod
        Pass(Pod("Pending", nodeName: null));            // the pass that sees the pod
        Pass(Pod(nodeName: "node01"));                   // bound and Running
        job.WithSlurm(12, "PENDING");
        Pass(Pod());                                     // Submitted (and Scheduled=True)
        job.WithSlurm(12, "RUNNING");
        Pass(Pod());                                     // Running
        job.WithSlurm(12, "COMPLETED", 0);
        Pass(Pod());                                     // Succeeded, its event, the finalizer off
        Pass(Pod("Succeeded"));                          // the companion exits
        job.Deleted(Now);
        Pass(Pod("Succeeded"));                          // deleted: nothing holds it

        Assert.That((pods, statuses, finalizers), Is.EqualTo((1, 4, 2)));
        Assert.That(events, Is.EqualTo(new[] { "CreatedPod", SlurmJobPhase.Succeeded }));
    }

    // ---- one phase, decided once

    private static SlurmJob WithResultsVolume(SlurmJob job) =>
        job.WithResults(new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "results" } });

    [Test]
    public void Reconcile_WhenSlurmCompletedWhileTheCompanionCollects_StaysRunningUntilItReports()
    {
        var job = WithResultsVolume(Job().WithFinalizer().WithSlurm(12, "COMPLETED", 0));

        var collecting = Reconcile(job, Pod());

        Assert.That(collecting.Status!.Phase, Is.EqualTo(SlurmJobPhase.Running), "not Succeeded before the results are in");
        Assert.That(collecting.Status.Conditions!.Single(c => c.Type == JobConditions.ResultsCollected).Status, Is.EqualTo("Unknown"));
        Assert.That(collecting.RemoveFinalizer, Is.False, "a job whose results are being collected is not finished");
        job.WithOperatorStatus(collecting.Status);

        job.WithReport(new CompanionReport { Results = new ResultsReport { Outcome = ResultsOutcome.Collected, Files = 1, Message = "collected 1 file(s) into /results/cow-job" } });
        var done = Reconcile(job, Pod("Succeeded"));

        Assert.That(done.Status!.Phase, Is.EqualTo(SlurmJobPhase.Succeeded));
        Assert.That(done.Status.Conditions!.Single(c => c.Type == JobConditions.Finished).Message, Is.EqualTo("Slurm job 12 completed; collected 1 file(s) into /results/cow-job"));
        Assert.That(done.Events.Select(e => (e.Type, e.Reason)), Is.EqualTo(new[] { (KubeEventType.Normal, SlurmJobPhase.Succeeded) }), "one event for the one transition");
        Assert.That(done.RemoveFinalizer, Is.True);
    }

    [TestCase(ResultsOutcome.ResultsMissing, "result files not found in this job's directory /w: absent.txt")]
    [TestCase(ResultsOutcome.ResultsNotWritable, "/results/cow-job is not writable by uid 1000 gid 1000")]
    public void Reconcile_WhenSlurmCompletedButResultsFailed_FailsOnceWithAResultsConditionNamingTheFile(ResultsOutcome outcome, string words)
    {
        var job = WithResultsVolume(Job().WithFinalizer().WithSlurm(12, "COMPLETED", 0))
            .WithReport(new CompanionReport { Results = new ResultsReport { Outcome = outcome, Message = words } });

        var plan = Reconcile(job, FailedPod(13, "results"));

        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
        var results = plan.Status.Conditions!.Single(c => c.Type == JobConditions.ResultsCollected);
        Assert.That((results.Status, results.Reason, results.Message), Is.EqualTo(("False", outcome.ToString(), words)));
        Assert.That(plan.Status.Conditions!.Single(c => c.Type == JobConditions.Finished).Message, Does.Contain(words).And.Not.Contain("{"));
    }

    [Test]
    public void Reconcile_WhenFinished_NeverChangesThePhaseAgain()
    {
        var job = Job().WithFinalizer().WithSlurm(12, "COMPLETED", 0);
        job.WithOperatorStatus(Reconcile(job, Pod("Succeeded")).Status!);
        Assert.That(job.Status!.Phase, Is.EqualTo(SlurmJobPhase.Succeeded));

        // A late report (a results failure, Slurm's accounting changing its mind) and the companion pod failing afterwards.
        job.WithSlurm(12, "FAILED", 1).WithReport(new CompanionReport { Results = new ResultsReport { Outcome = ResultsOutcome.ResultsMissing, Message = "x" } });
        var later = Reconcile(job, FailedPod(13, "late"));

        Assert.That(later.Status, Is.Null, "the phase is final: nothing rewritten");
        Assert.That(later.Events, Is.Empty);
        Assert.That((later.CreatePod, later.DeletePod), Is.EqualTo(((V1Pod?)null, (string?)null)));
    }

    [Test]
    public void Reconcile_WhenSpecIsEditedAfterSlurmTookTheJob_SaysItIsNotAppliedOnce()
    {
        var job = Job().WithFinalizer().WithSlurm(12, "RUNNING").WithReport(new CompanionReport { SubmittedGeneration = 1 });
        job.Metadata.Generation = 2;

        var plan = Reconcile(job, Pod());

        var applied = plan.Status!.Conditions!.Single(c => c.Type == JobConditions.SpecApplied);
        Assert.That((applied.Status, applied.Reason), Is.EqualTo(("False", "SpecChangeIgnored")));
        Assert.That(applied.Message, Does.Contain("generation 2").And.Contain("Slurm job 12").And.Contain("delete this SlurmJob and create it again"));
        Assert.That(plan.Events.Where(e => e.Type == KubeEventType.Warning).Select(e => e.Reason), Is.EqualTo(new[] { "SpecChangeIgnored" }));
        Assert.That(plan.CreatePod, Is.Null);

        job.WithOperatorStatus(plan.Status);
        var again = Reconcile(job, Pod(), Now.AddMinutes(1));

        Assert.That(again.Events, Is.Empty, "announced once");
    }

    [Test]
    public void Reconcile_WhenNoNodeCarriesALabelThePodNeeds_TheScheduledConditionNamesIt()
    {
        var pod = Unschedulable("0/1 nodes are available: 1 node(s) didn't match node selector.");
        pod.Spec.NodeSelector = new Dictionary<string, string> { ["slurm.sylabs.io/workload-manager"] = "slurm", ["slurm.sylabs.io/partition"] = "gpu" };
        var node = new V1Node { Metadata = new V1ObjectMeta { Name = "kind-node", Labels = new Dictionary<string, string> { ["slurm.sylabs.io/workload-manager"] = "slurm" } } };

        var plan = Reconcile(Job().WithFinalizer(), pod, null, node);

        var scheduled = plan.Status!.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That(scheduled.Message, Does.StartWith("no node carries label slurm.sylabs.io/partition=gpu")
            .And.Contain("slurm-config").And.Contain("didn't match node selector"));
        Assert.That(scheduled.Message, Does.Not.Contain("workload-manager=slurm,"));
    }

    [Test]
    public void Reconcile_NewPod_RequestsWhatTheScriptAsksOfResourcesTheNodesAdvertise()
    {
        var node = new V1Node
        {
            Metadata = new V1ObjectMeta { Name = "n" },
            Status = new V1NodeStatus { Capacity = new Dictionary<string, ResourceQuantity> { ["slurm.sylabs.io/cpu"] = new("6"), ["cpu"] = new("2") } },
        };

        var plan = Reconcile(Job(batch: "#!/bin/sh\n#SBATCH --cpus-per-task=2\n#SBATCH --mem=1G\necho hi\n").WithFinalizer(), null, null, node);

        var requests = plan.CreatePod!.Spec.Containers[0].Resources.Limits;   // extended resources: limits, and the API server copies them to requests
        Assert.That(requests.Keys.Where(SlurmNodeKeys.IsOurs), Is.EquivalentTo(new[] { "slurm.sylabs.io/cpu" }), "mem is not advertised by any node: not requested");
        Assert.That(requests["slurm.sylabs.io/cpu"].ToString(), Is.EqualTo("2"));
    }

    [Test]
    public void Reconcile_NewPod_SharedJobHoldsNoNodeAndAnExclusiveOneTheWholeNodesOfTheClusterItsSelectorNames()
    {
        V1Node Node(string name, string cluster, int slurmNodes, int cpus) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = BudgetBuilder.SlurmLabels(cluster) },
            Status = new V1NodeStatus
            {
                Capacity = new Dictionary<string, ResourceQuantity>
                {
                    ["slurm.sylabs.io/nodes"] = new(slurmNodes.ToString(CultureInfo.InvariantCulture)),
                    ["slurm.sylabs.io/cpu"] = new((slurmNodes * cpus).ToString(CultureInfo.InvariantCulture)),
                },
            },
        };
        var small = Node("vm", "small", 3, 2);
        var big = Node("vm-2", "big", 2, 4);
        IDictionary<string, ResourceQuantity> Requests(string batch, string cluster)
        {
            var job = Job(batch: batch).WithFinalizer();
            job.Spec.NodeSelector = new Dictionary<string, string> { ["slurm.sylabs.io/cluster"] = cluster };
            return Reconcile(job, null, null, small, big).CreatePod!.Spec.Containers[0].Resources.Limits.Where(l => SlurmNodeKeys.IsOurs(l.Key)).ToDictionary();
        }

        var shared = Requests("#!/bin/sh\n#SBATCH -n 1\necho hi\n", "small");
        Assert.That(shared.Keys, Is.EquivalentTo(new[] { "slurm.sylabs.io/cpu" }), "a shared job holds no whole node");
        Assert.That(shared["slurm.sylabs.io/cpu"].ToString(), Is.EqualTo("1"));

        var exclusiveOnBig = Requests("#!/bin/sh\n#SBATCH --exclusive\necho hi\n", "big");
        Assert.That((exclusiveOnBig["slurm.sylabs.io/nodes"].ToString(), exclusiveOnBig["slurm.sylabs.io/cpu"].ToString()), Is.EqualTo(("1", "4")),
            "the big cluster's node has 4 CPUs: the job holds them all");
        var exclusiveOnSmall = Requests("#!/bin/sh\n#SBATCH --exclusive\necho hi\n", "small");
        Assert.That((exclusiveOnSmall["slurm.sylabs.io/nodes"].ToString(), exclusiveOnSmall["slurm.sylabs.io/cpu"].ToString()), Is.EqualTo(("1", "2")));
    }

    [Test]
    public void Reconcile_NewcomerWhileJobsInSlurmReattach_GetsNoPodYetAndSaysWhy()
    {
        var observed = Observed(Job().WithFinalizer(), null) with { ReattachingAhead = ["default/old"] };

        var plan = SlurmJobReconciler.Reconcile(observed, Options);

        Assert.That(plan.CreatePod, Is.Null);
        Assert.That(plan.RequeueAfter, Is.EqualTo(ReattachFirst.HoldRecheck));
        var scheduled = plan.Status!.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((scheduled.Status, scheduled.Reason), Is.EqualTo(("Unknown", "WaitingForReattach")));
        Assert.That(scheduled.Message, Does.Contain("default/old").And.Contain("placed first"));
    }

    [Test]
    public void Reconcile_JobInSlurmWithoutItsCompanion_IsMadeOneAndEvictsTheNewcomersUnplacedPods_AJobInSlurmWithItsCompanionPlacedEvictsNone()
    {
        PodVersion[] inTheWay = [new("default", "new-job", "7", "new")];
        var lost = Observed(Job().WithFinalizer().WithSlurm(12, "RUNNING"), null) with { NewcomerPodsInTheWay = inTheWay };
        var placed = Observed(Job().WithFinalizer().WithSlurm(12, "RUNNING"), Pod("Running")) with { NewcomerPodsInTheWay = inTheWay };

        var (lostPlan, placedPlan) = (SlurmJobReconciler.Reconcile(lost, Options), SlurmJobReconciler.Reconcile(placed, Options));

        Assert.That(lostPlan.CreatePod, Is.Not.Null);
        Assert.That(lostPlan.EvictPods, Is.EqualTo(inTheWay));
        Assert.That(placedPlan.EvictPods, Is.Empty);
    }

    // ---- a pod named <name>-job that is not this SlurmJob's

    private static V1OwnerReference EarlierCow => new() { ApiVersion = SlurmJob.ApiVersionName, Kind = SlurmJob.KindName, Name = "cow", Uid = "uid-of-an-earlier-cow", Controller = true };

    [Test]
    public void Reconcile_WhenPodIsAFailedLeftoverOfAnEarlierJobOfTheSameName_DeletesItInsteadOfFailingThisJob()
    {
        // `kubectl delete -f failing.yaml; kubectl apply -f failing.yaml`: the old Error pod is still there for a moment.
        var plan = Reconcile(Job().WithFinalizer(), FailedPod(10, "job failed").OwnedBy(EarlierCow));

        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Pending));
        Assert.That(plan.DeletePod, Is.EqualTo("cow-job"));
        Assert.That(plan.CreatePod, Is.Null, "created once the old one is gone");
        Assert.That(plan.Status.PodName, Is.Null, "the old pod is not ours");
        var scheduled = plan.Status.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((scheduled.Status, scheduled.Reason), Is.EqualTo(("Unknown", "WaitingForOldPod")));
    }

    [Test]
    public void Reconcile_WhenLeftoverIsAlreadyTerminating_WaitsWithoutDeletingAgain()
    {
        var leftover = Pod("Succeeded").OwnedBy(EarlierCow);
        leftover.Metadata.DeletionTimestamp = Now;

        var plan = Reconcile(Job().WithFinalizer(), leftover);

        Assert.That((plan.DeletePod, plan.CreatePod), Is.EqualTo(((string?)null, (V1Pod?)null)));
        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Pending));
    }

    [Test]
    public void Reconcile_WhenPodNameIsTakenBySomeoneElsesPod_SaysSoAndLeavesThePodAlone()
    {
        var plan = Reconcile(Job().WithFinalizer(), Pod().OwnedBy(null));

        Assert.That((plan.DeletePod, plan.CreatePod), Is.EqualTo(((string?)null, (V1Pod?)null)));
        var scheduled = plan.Status!.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((scheduled.Status, scheduled.Reason), Is.EqualTo(("False", "PodNameTaken")));
        Assert.That(scheduled.Message, Does.Contain("pod cow-job exists and does not belong to this SlurmJob"));
        Assert.That(plan.RequeueAfter, Is.EqualTo(SlurmJobReconciler.ForeignPodRecheck), "that pod carries no label we watch");
    }

    [Test]
    public void Reconcile_WhenDeletedBeforeSubmittingWhileAnEarlierJobsPodRuns_ReleasesAtOnce()
    {
        var plan = Reconcile(Job().WithFinalizer().Deleted(Now), Pod().OwnedBy(EarlierCow));

        Assert.That(plan.RemoveFinalizer, Is.True, "the running pod is not this job's companion: nothing of ours may submit");
        Assert.That(plan.CreatePod, Is.Null);
    }

    // ---- deletion

    [Test]
    public void Reconcile_WhenDeletedWithoutOurFinalizer_DoesNothing()
    {
        var plan = Reconcile(Job().Deleted(Now), pod: null);

        Assert.That(plan, Is.EqualTo(new ReconcilePlan()));
    }

    [Test]
    public void Reconcile_WhenDeletedBeforeAnySubmission_ReleasesAtOnce()
    {
        var plan = Reconcile(Job().WithFinalizer().Deleted(Now), Unschedulable("0/1 nodes are available"));

        Assert.That(plan.RemoveFinalizer, Is.True);
    }

    [Test]
    public void Reconcile_WhenDeletedWhileSlurmJobRuns_WaitsForTheCompanionToCancel()
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, "RUNNING").Deleted(Now.AddSeconds(-30)), Pod());

        Assert.That(plan.RemoveFinalizer, Is.False);
        Assert.That(plan.RequeueAfter, Is.EqualTo(Options.CancelTimeout - TimeSpan.FromSeconds(30)));
    }

    [Test]
    public void Reconcile_WhenDeletedWhileCompanionMaySubmit_Waits()
    {
        var plan = Reconcile(Job().WithFinalizer().Deleted(Now), Pod());

        Assert.That(plan.RemoveFinalizer, Is.False);
    }

    [Test]
    public void Reconcile_WhenDeletedAndSlurmJobCancelled_Releases()
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, "CANCELLED by 1000").Deleted(Now), Pod("Failed"));

        Assert.That(plan.RemoveFinalizer, Is.True);
    }

    [Test]
    public void Reconcile_WhenDeletedWhileSlurmJobRunsAndPodGone_StartsACompanionToCancel()
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, "PENDING").Deleted(Now), pod: null);

        Assert.That(plan.CreatePod?.Metadata.Name, Is.EqualTo("cow-job"));
        Assert.That(plan.RemoveFinalizer, Is.False);
    }

    [Test]
    public void Reconcile_WhenCancelTimesOut_ReleasesWithAWarning()
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, "RUNNING").Deleted(Now - Options.CancelTimeout), Unschedulable("node01 not found"));

        Assert.That(plan.RemoveFinalizer, Is.True);
        Assert.That(plan.Events, Has.Some.Matches<PlannedEvent>(e => e != null && e.Type == KubeEventType.Warning && e.Reason == "CancelTimedOut" && e.Message.Contains("Slurm job 12", StringComparison.Ordinal)));
    }
}
