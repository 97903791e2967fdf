using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.Operator;
using SlurmK8s.Slurm.Sbatch;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Tests.Operator;

internal sealed class SlurmJobReconcilerTests
{
    private static readonly CompanionPodOptions Options = new() { Image = "slurmk8s:test" };
    private static ReconcilePlan Reconcile(SlurmJob job, V1Pod? pod, DateTime? now = null) =>
        SlurmJobReconciler.Reconcile(new ObservedJob(job, pod, [], now ?? Now), Options);

    [Test]
    public void Reconcile_WhenNewJob_AddsFinalizerAndCreatesCompanionPod()
    {
        var plan = Reconcile(Job(), pod: null);

        Assert.That(plan.AddFinalizer, Is.True);
        Assert.That(plan.CreatePod?.Metadata.Name, Is.EqualTo("cow-job"));
        Assert.That(plan.Status?.Phase, Is.EqualTo(SlurmJobPhase.Pending));
        Assert.That(plan.Events.Select(e => e.Reason), Does.Contain("CreatedPod"));
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
    }

    [Test]
    public void Reconcile_WhenSlurmJobFailed_SaysTheExitCodeAndSlurmsReasonAndWarns()
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(12, "FAILED", 3, "NonZeroExitCode", "NonZeroExitCode"), FailedPod(3, "job failed"));

        var finished = plan.Status!.Conditions!.Single(c => c.Type == JobConditions.Finished);
        Assert.That(finished.Message, Is.EqualTo("Slurm job 12 FAILED with exit code 3: NonZeroExitCode"));
        Assert.That(plan.Events, Has.Some.Matches<PlannedEvent>(e => e != null && e.Type == KubeEventType.Warning && e.Reason == SlurmJobPhase.Failed));
        Assert.That(plan.DeletePod, Is.Null, "a finished job's companion pod stays, as the seed's Completed pod did");
    }

    [Test]
    public void Reconcile_WhenDirectiveCannotBeParsed_FailsWithoutAPod()
    {
        var error = SbatchScript.Parse("#!/bin/sh\n#SBATCH --nodes=abc\necho hi\n").Error!.Message;

        var plan = Reconcile(Job(batch: "#!/bin/sh\n#SBATCH --nodes=abc\necho hi\n").WithFinalizer(), pod: null);

        Assert.That(plan.CreatePod, Is.Null);
        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
        Assert.That(plan.Status.Conditions!.Single(c => c.Type == JobConditions.Finished).Message, Is.EqualTo(error));
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

    // Every reason the companion writes when red-box would not submit (until now only SubmitRefused was read: a denied
    // or failed submit ended as a bare CompanionFailed quoting the pod's exit code).
    [TestCase(SubmitFailureReasons.Refused, "sbatch: error: invalid partition specified: nope")]
    [TestCase(SubmitFailureReasons.Denied, "red-box: uid 1000 may not submit")]
    [TestCase(SubmitFailureReasons.Failed, "Slurm did not answer: slurmctld is down")]
    public void Reconcile_WhenRedBoxWouldNotSubmit_FailsWithTheCompanionsWords(string reason, string words)
    {
        var plan = Reconcile(Job().WithFinalizer().WithSlurm(null, null, reason: reason, message: words), FailedPod(12, "exit 12"));

        Assert.That(plan.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
        var submitted = plan.Status.Conditions!.Single(c => c.Type == JobConditions.Submitted);
        Assert.That((submitted.Status, submitted.Reason, submitted.Message), Is.EqualTo(("False", reason, words)));
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
    public void Reconcile_WhenPhaseChanges_PostsOneTransitionEvent()
    {
        var job = Job().WithFinalizer().WithSlurm(12, "PENDING");
        job.WithOperatorStatus(Reconcile(job, Pod()).Status!);
        job.WithSlurm(12, "RUNNING");

        var plan = Reconcile(job, Pod());

        Assert.That(plan.Events.Select(e => (e.Reason, e.Message)), Is.EqualTo(new[] { ("Running", "Submitted → Running: Slurm job 12 is RUNNING") }));
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
