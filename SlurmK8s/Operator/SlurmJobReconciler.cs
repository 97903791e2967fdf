using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.Slurm;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Operator;

/// <summary>
/// The pure core of the operator: from what is observed now (the SlurmJob with the Slurm facts its companion
/// reported, its companion pod) to a plan. No I/O, no memory of earlier passes: level-based, so a restarted
/// operator or a missed event changes nothing.
/// </summary>
internal static class SlurmJobReconciler
{
    /// <summary>
    /// On a SlurmJob from before its companion pod exists until its phase is final: holds a deleted SlurmJob until its
    /// Slurm job is cancelled (or never existed). A finished job has nothing to cancel and is not held.
    /// </summary>
    public const string Finalizer = "slurm.sylabs.io/cancel-slurm-job";

    /// <summary>How long to wait before looking again at a pod name taken by a pod we do not watch (it has not our label).</summary>
    internal static readonly TimeSpan ForeignPodRecheck = TimeSpan.FromSeconds(30);

    public static ReconcilePlan Reconcile(ObservedJob observed, CompanionPodOptions options)
    {
        var job = observed.Job;
        var hasFinalizer = job.Metadata.Finalizers?.Contains(Finalizer) == true;
        // A pod named `<name>-job` that this SlurmJob does not control (e.g. the pod of a deleted SlurmJob of the same name,
        // not yet collected) is not our companion: its state says nothing about this job, and it is never adopted.
        var foreign = observed.Pod is { } found && !IsControlledBy(found, job) ? found : null;
        if (foreign is not null)
        {
            observed = observed with { Pod = null };
        }
        if (job.Metadata.DeletionTimestamp is { } deletedAt)
        {
            if (!hasFinalizer)
            {
                return new ReconcilePlan();
            }
            var deletion = ReconcileDeletion(observed, deletedAt, options);
            return foreign is null ? deletion : deletion with { CreatePod = null, DeletePod = LeftoverToDelete(foreign, job) };
        }

        var plan = ReconcileLive(observed, options, foreign);
        // Held from before the companion pod exists (so nothing can submit to Slurm without it) until the phase is final:
        // a finished job has nothing left to cancel, and deleting it then costs no pass, no write and no event.
        var final = SlurmJobPhase.IsFinished(plan.Status?.Phase ?? job.Status?.Phase) && plan.CreatePod is null;
        var evict = ReattachFirst.IsReattaching(job, observed.Pod) ? observed.NewcomerPodsInTheWay : [];
        return plan with { AddFinalizer = !hasFinalizer && !final, RemoveFinalizer = hasFinalizer && final, EvictPods = evict };
    }

    /// <summary>Slurm has this job, and the operator believes it (it saw its companion on a node): the new companion goes first.</summary>
    private static bool Reattaches(ObservedJob observed) => observed.Job.Status?.Slurm is not null && observed.HadASlot;

    private static bool IsControlledBy(V1Pod pod, SlurmJob job) =>
        pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == job.Metadata.Uid) == true;

    /// <summary>The companion pod of an earlier SlurmJob with this name: the garbage collector removes it anyway, we only hurry it.</summary>
    private static bool IsLeftoverOfEarlierJob(V1Pod pod, SlurmJob job) =>
        pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Kind == SlurmJob.KindName && o.ApiVersion == SlurmJob.ApiVersionName
                                               && o.Name == job.Metadata.Name && o.Uid != job.Metadata.Uid) == true;

    private static string? LeftoverToDelete(V1Pod pod, SlurmJob job) =>
        IsLeftoverOfEarlierJob(pod, job) && pod.Metadata.DeletionTimestamp is null ? pod.Metadata.Name : null;

    /// <summary>Our pod's name is taken: wait for an earlier job's pod to go (deleting it), or say whose pod is in the way.</summary>
    private static ReconcilePlan WaitForPodName(StatusBuilder next, V1Pod foreign, SlurmJob job, string? fromSlurm)
    {
        var name = foreign.Metadata.Name;
        next.Phase(fromSlurm ?? SlurmJobPhase.Pending);
        if (IsLeftoverOfEarlierJob(foreign, job))
        {
            next.Condition(JobConditions.Scheduled, "Unknown", "WaitingForOldPod",
                $"pod {name} of an earlier SlurmJob named {job.Metadata.Name} is being removed; the companion pod is created once it is gone");
            // Its deletion is a pod event for this key (same label): no requeue needed.
            return next.Plan() with { DeletePod = LeftoverToDelete(foreign, job) };
        }
        next.Condition(JobConditions.Scheduled, "False", "PodNameTaken",
            $"pod {name} exists and does not belong to this SlurmJob: delete or rename it, the companion pod must be named {name}");
        return next.Plan() with { RequeueAfter = ForeignPodRecheck };
    }

    private static ReconcilePlan ReconcileLive(ObservedJob observed, CompanionPodOptions options, V1Pod? foreign)
    {
        var job = observed.Job;
        var status = job.Status ?? new SlurmJobStatus();
        var slurm = status.Slurm;
        var report = status.Companion;
        var pod = observed.Pod;
        var fromSlurm = SlurmJobPhase.FromSlurm(slurm?.State);
        var next = new StatusBuilder(job, observed.Now).SpecApplied(report, slurm).Reachability(report?.Outage);

        if (SlurmJobPhase.IsFinished(status.Phase) && (slurm is not null || status.ObservedGeneration == job.Metadata.Generation))
        {
            // The phase is decided once. Only a spec that could never run may be looked at afresh once edited.
            return next.Plan();
        }

        if (slurm is null && report?.SubmitFailure is { } refused)
        {
            return next.Finish(SlurmJobPhase.Failed, refused.Reason.ToString(), refused.Message).Plan();
        }

        var awaitsResults = job.Spec.Results?.Mount is not null && report?.Results is null;
        if (slurm?.State is { } state && state.IsFinished() && fromSlurm is { } finished && !(awaitsResults && pod is null))
        {
            return Settle(next, job, pod, slurm, report, finished);
        }
        if (slurm is not null && SlurmJobPhase.IsFinished(fromSlurm))
        {
            // Over in Slurm, its results not collected and no companion left to do it: one is created below and collects them.
            fromSlurm = SlurmJobPhase.Running;
        }

        if (pod is null)
        {
            var script = observed.Demand.Script;
            if (slurm is null && !script.IsValid)
            {
                return next.Finish(SlurmJobPhase.Failed, "InvalidBatchDirective", script.Error.Message).Plan();
            }
            var (newPod, refusal) = CompanionPod.Build(job, observed.Demand.Requests, options, Reattaches(observed));
            if (newPod is null)
            {
                return next.Finish(SlurmJobPhase.Failed, refusal!.Reason, refusal.Message).Plan();
            }
            if (foreign is not null)
            {
                return WaitForPodName(next, foreign, job, fromSlurm);
            }
            if (slurm is null && observed.ReattachingAhead is { Count: > 0 } ahead)
            {
                // Jobs Slurm already runs lost their companions: their slots are taken in Slurm, so they are placed first.
                return next.Phase(SlurmJobPhase.Pending)
                    .Condition(JobConditions.Scheduled, "Unknown", "WaitingForReattach",
                        $"{ahead.Count} SlurmJob(s) already in Slurm lost their companion pods and are placed first, as their jobs hold this node's "
                        + $"slots ({string.Join(", ", ahead.Take(3))}{(ahead.Count > 3 ? ", …" : "")}); the companion pod is created after them")
                    .Plan() with { RequeueAfter = ReattachFirst.HoldRecheck };
            }
            if (slurm is null && observed.BudgetFull)
            {
                // No room now: a pod made anyway would wait in the scheduler's backoff queue; this one is made when a companion ends.
                return next.Phase(SlurmJobPhase.Pending)
                    .Condition(JobConditions.Scheduled, "Unknown", "WaitingForBudget",
                        "every node this job may use has its slurm.sylabs.io budget taken by other companions; the companion pod is created, oldest job first, when one ends")
                    .Plan() with { RequeueAfter = CompanionAdmission.Recheck };
            }
            var recreated = status.PodName is not null;
            // The name is deterministic and the pod is created before this status is written: podName goes in now.
            next.Phase(fromSlurm ?? SlurmJobPhase.Pending)
                .PodName(newPod.Metadata.Name)
                .Condition(JobConditions.Scheduled, "Unknown", "PodCreated", $"companion pod {newPod.Metadata.Name} created, waiting for the scheduler")
                .AnnouncedBy(recreated
                    ? PlannedEvent.Normal("RecreatedPod", $"companion pod {newPod.Metadata.Name} was gone while the job is unfinished: created again; "
                        + (slurm is not null ? $"it re-attaches to Slurm job {slurm.JobId}" : "it submits the job, or finds the one already submitted"))
                    : PlannedEvent.Normal("CreatedPod", $"created companion pod {newPod.Metadata.Name}"));
            return next.Plan() with { CreatePod = newPod };
        }

        next.PodName(pod.Metadata.Name).NodeName(pod.Spec?.NodeName);
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return next.Phase(fromSlurm ?? status.Phase ?? SlurmJobPhase.Pending).Plan();   // wait for it to go; then a new one
        }

        if (pod.Status?.Phase is "Failed" or "Succeeded")
        {
            // The companion is gone and the job's end is not in the status (it was killed, or its last write was lost):
            // Slurm still has the job, so a new companion re-attaches, reads how it ended and reports it.
            var how = pod.Status.Phase == "Failed" ? "failed" : "exited";
            if (slurm is not null)
            {
                next.Phase(fromSlurm ?? SlurmJobPhase.Submitted)
                    .Event(PlannedEvent.Warning(pod.Status.Phase == "Failed" ? "CompanionFailed" : "CompanionExited",
                        $"companion pod {pod.Metadata.Name} {how} ({PodEnd(pod)}) before Slurm job {slurm.JobId}'s end reached this status: replacing it; the new one re-attaches and reports how the job ends"));
                return next.Plan() with { DeletePod = pod.Metadata.Name };
            }
            return report?.Results is { Outcome: not ResultsOutcome.Collected } results
                ? next.Finish(SlurmJobPhase.Failed, results.Outcome.ToString(), results.Message).Plan()
                : next.Finish(SlurmJobPhase.Failed, "CompanionFailed", $"companion pod {pod.Metadata.Name} {how} before submitting: {PodEnd(pod)}").Plan();
        }

        var scheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (scheduled?.Status == "False")
        {
            return next.Phase(fromSlurm ?? SlurmJobPhase.Pending)
                .Condition(JobConditions.Scheduled, "False", scheduled.Reason ?? "Unschedulable", Unschedulable(pod, observed.Nodes, scheduled.Message))
                .Plan();
        }
        if (scheduled?.Status == "True" || pod.Spec?.NodeName is not null)
        {
            next.Placed(pod.Metadata.Name, pod.Spec?.NodeName);
        }
        return next.Submitted(slurm).Phase(fromSlurm ?? SlurmJobPhase.Pending).Plan();
    }

    /// <summary>
    /// Slurm's job is over. The terminal phase is decided once, after the companion collected the results (when there are
    /// results to collect): a job never shows Succeeded and then Failed because its results could not be copied.
    /// </summary>
    private static ReconcilePlan Settle(StatusBuilder next, SlurmJob job, V1Pod? pod, SlurmJobFacts slurm, CompanionReport? report, string finished)
    {
        next.Submitted(slurm);
        var slurmWords = FinishMessage(slurm);
        if (report?.Results is { } results)
        {
            if (results.Outcome == ResultsOutcome.Collected)
            {
                next.Condition(JobConditions.ResultsCollected, "True", "Collected", results.Message);
                return next.Finish(finished, FinishReason(finished, slurm), $"{slurmWords}; {results.Message}").Plan();
            }
            next.Condition(JobConditions.ResultsCollected, "False", results.Outcome.ToString(), results.Message);
            return finished == SlurmJobPhase.Succeeded
                ? next.Finish(SlurmJobPhase.Failed, results.Outcome.ToString(), $"{slurmWords} but its results were not collected: {results.Message}").Plan()
                : next.Finish(finished, FinishReason(finished, slurm), slurmWords).Plan();
        }
        var collects = job.Spec.Results?.Mount is not null;
        var companionDone = pod is null || pod.Status?.Phase is "Succeeded" or "Failed";
        if (collects && !companionDone)
        {
            return next.Phase(SlurmJobPhase.Running)
                .Condition(JobConditions.ResultsCollected, "Unknown", "Collecting", $"{slurmWords}; the companion is collecting its results")
                .Plan();
        }
        if (collects && pod?.Status?.Phase == "Failed" && WasStopped(pod))
        {
            // Killed while collecting (evicted, OOM, its node restarted): a new companion re-attaches and collects again.
            return next.Phase(SlurmJobPhase.Running)
                .Condition(JobConditions.ResultsCollected, "Unknown", "Collecting", $"{slurmWords}; the companion was stopped while collecting its results and is replaced")
                .Event(PlannedEvent.Warning("CompanionFailed", $"companion pod {pod.Metadata.Name} was stopped ({PodEnd(pod)}) before reporting its results: replacing it; the new one collects them"))
                .Plan() with { DeletePod = pod.Metadata.Name };
        }
        if (collects && pod?.Status?.Phase == "Failed" && finished == SlurmJobPhase.Succeeded)
        {
            var words = $"companion pod {pod.Metadata.Name} failed before reporting its results: {PodEnd(pod)}";
            next.Condition(JobConditions.ResultsCollected, "False", "ResultsNotCollected", words);
            return next.Finish(SlurmJobPhase.Failed, "ResultsNotCollected", $"{slurmWords} but {words}").Plan();
        }
        return next.Finish(finished, FinishReason(finished, slurm), slurmWords).Plan();
    }

    /// <summary>The scheduler's words, and which of the pod's node labels no node carries (the usual cause).</summary>
    private static string Unschedulable(V1Pod pod, IReadOnlyCollection<V1Node> nodes, string? schedulerWords)
    {
        var words = schedulerWords ?? "the scheduler has not placed the companion pod";
        var missing = (pod.Spec?.NodeSelector ?? new Dictionary<string, string>())
            .Where(label => !nodes.Any(n => n.Metadata.Labels?.TryGetValue(label.Key, out var value) == true && value == label.Value))
            .Select(label => $"{label.Key}={label.Value}")
            .ToList();
        if (missing.Count == 0)
        {
            return words;
        }
        var hint = missing.Any(l => l.StartsWith(SlurmNodeKeys.Prefix, StringComparison.Ordinal))
            ? " (resourced puts slurm.sylabs.io labels on nodes named in the slurm-config ConfigMap: check that this cluster's node names are there and `kubectl get events -A --field-selector reason=NodeNotInConfig`)"
            : "";
        return $"no node carries label {string.Join(", ", missing)}{hint}; {words}";
    }

    private static ReconcilePlan ReconcileDeletion(ObservedJob observed, DateTime deletedAt, CompanionPodOptions options)
    {
        var job = observed.Job;
        var status = job.Status ?? new SlurmJobStatus();
        var slurm = status.Slurm;
        var pod = observed.Pod;
        var fromSlurm = SlurmJobPhase.FromSlurm(slurm?.State);
        var next = new StatusBuilder(job, observed.Now).Reachability(status.Companion?.Outage);
        var companionMaySubmit = pod?.Status?.Phase == "Running" && pod.Metadata.DeletionTimestamp is null;

        if (SlurmJobPhase.IsFinished(fromSlurm) || (slurm is null && !companionMaySubmit))
        {
            var words = slurm is not null ? SlurmFactsText.Describe(slurm) : "no Slurm job was submitted";
            return new ReconcilePlan { RemoveFinalizer = true, Events = [PlannedEvent.Normal("Released", $"{words}: deletion may proceed")] };
        }

        var waited = observed.Now - deletedAt;
        var what = slurm is not null ? $"Slurm job {slurm.JobId}" : "the companion's submission";
        if (waited >= options.CancelTimeout)
        {
            return new ReconcilePlan
            {
                RemoveFinalizer = true,
                Events = [PlannedEvent.Warning("CancelTimedOut", $"could not confirm {what} was cancelled within {options.CancelTimeout}: the companion pod {(pod is null ? "is gone" : $"is {pod.Status?.Phase}")}; check Slurm (scancel) yourself")],
            };
        }

        // The companion cancels: it sees the deletion. Without a live one, start one to do it.
        var plan = next.Phase(fromSlurm ?? status.Phase ?? SlurmJobPhase.Pending).Plan() with { RequeueAfter = options.CancelTimeout - waited };
        if (pod is null && slurm is not null)
        {
            var (newPod, _) = CompanionPod.Build(job, observed.Demand.Requests, options, Reattaches(observed));
            return plan with { CreatePod = newPod, Events = [PlannedEvent.Normal("RecreatedPod", $"the job is being deleted and {what} is unfinished: created a companion pod to cancel it")] };
        }
        if (pod?.Status?.Phase is "Failed" or "Succeeded" && slurm is not null)
        {
            return plan with { DeletePod = pod.Metadata.Name };
        }
        return plan;
    }

    private static string FinishReason(string phase, SlurmJobFacts slurm) => phase switch
    {
        SlurmJobPhase.Succeeded => "Completed",
        SlurmJobPhase.Cancelled => "Cancelled",
        _ => JobStates.ReasonWord(slurm.State?.Word() ?? "FAILED"),
    };

    private static string FinishMessage(SlurmJobFacts slurm) => SlurmFactsText.Describe(slurm);

    /// <summary>
    /// Stopped from outside (a signal, an eviction, a lost node) rather than ending on its own with one of the companion's
    /// exit codes: the work it was doing can be done again by a new companion.
    /// </summary>
    private static bool WasStopped(V1Pod pod) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Terminated is not { } terminated || terminated.ExitCode >= 128;

    private static string PodEnd(V1Pod pod)
    {
        var terminated = pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Terminated;
        var words = terminated is null
            ? $"{pod.Status?.Reason} {pod.Status?.Message}".Trim()
            : $"exit code {terminated.ExitCode}" + (string.IsNullOrWhiteSpace(terminated.Message) ? "" : $": {OneLine(terminated.Message)}");
        return words.Length > 0 ? words : "no reason given";
    }

    // A termination message is one sentence when the companion wrote it; anything else (an older companion, the log's
    // tail) is folded to one short line so a condition never carries a log dump.
    private static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= 300 ? line : line[..299] + "…";
    }
}
