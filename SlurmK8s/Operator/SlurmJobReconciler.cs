using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.Slurm;
using SlurmK8s.Slurm.Sbatch;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Operator;

/// <summary>
/// The pure core of the operator: from what is observed now (the SlurmJob with the Slurm facts its companion
/// reported, its companion pod) to a plan. No I/O, no memory of earlier passes: level-based, so a restarted
/// operator or a missed event changes nothing.
/// </summary>
internal static class SlurmJobReconciler
{
    /// <summary>Holds a deleted SlurmJob until its Slurm job is cancelled (or never existed).</summary>
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
        return plan with { AddFinalizer = !hasFinalizer };
    }

    /// <summary>The slurm.sylabs.io/* requests from the script's #SBATCH lines, for the resources some node advertises; or why there are none.</summary>
    private static (IReadOnlyDictionary<string, string> Requests, string? DirectiveError) RequestsFor(SlurmJob job, IReadOnlyCollection<V1Node> nodes)
    {
        var parsed = SbatchScript.Parse(job.Spec.Batch);
        if (!parsed.IsValid)
        {
            return (new Dictionary<string, string>(), parsed.Error.Message);
        }
        var advertised = nodes
            .SelectMany(n => n.Status?.Capacity?.Keys ?? [])
            .Where(SlurmNodeKeys.IsOurs)
            .ToHashSet(StringComparer.Ordinal);
        return (SlurmResourceRequests.For(parsed.Directives, advertised), null);
    }

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
        var pod = observed.Pod;
        var fromSlurm = PhaseFromSlurm(status);
        var next = new StatusBuilder(job, observed.Now);

        if (fromSlurm is { } finished && SlurmJobPhase.IsFinished(finished))
        {
            // The Slurm job is over: nothing more to create; a companion that failed while collecting results is the last word.
            if (finished == SlurmJobPhase.Succeeded && pod?.Status?.Phase == "Failed")
            {
                return next.Finish(SlurmJobPhase.Failed, "ResultsNotCollected",
                    $"Slurm job {status.SlurmJobId} COMPLETED but companion pod {pod.Metadata.Name} failed: {PodFailure(pod)}").Plan();
            }
            return next.Submitted().Finish(finished, FinishReason(finished, status), FinishMessage(finished, status)).Plan();
        }

        if (pod is null && status.SlurmJobId is null && SlurmJobPhase.IsFinished(status.Phase) && status.ObservedGeneration == job.Metadata.Generation)
        {
            return next.Plan();   // this spec was judged unrunnable already; an edited spec (new generation) is looked at afresh
        }

        if (pod is null)
        {
            var (requests, directiveError) = RequestsFor(job, observed.Nodes);
            if (status.SlurmJobId is null && directiveError is not null)
            {
                return next.Finish(SlurmJobPhase.Failed, "InvalidBatchDirective", directiveError).Plan();
            }
            var (newPod, refusal) = CompanionPod.Build(job, requests, options);
            if (newPod is null)
            {
                return next.Finish(SlurmJobPhase.Failed, refusal!.Reason, refusal.Message).Plan();
            }
            if (foreign is not null)
            {
                return WaitForPodName(next, foreign, job, fromSlurm);
            }
            var recreated = status.PodName is not null;
            next.Phase(fromSlurm ?? SlurmJobPhase.Pending)
                .Condition(JobConditions.Scheduled, "Unknown", "PodCreated", $"companion pod {newPod.Metadata.Name} created, waiting for the scheduler")
                .Event(recreated
                    ? PlannedEvent.Normal("RecreatedPod", $"companion pod {newPod.Metadata.Name} was gone while the job is unfinished: created again; it re-attaches" + (status.SlurmJobId is { } id ? $" to Slurm job {id}" : ""))
                    : PlannedEvent.Normal("CreatedPod", $"created companion pod {newPod.Metadata.Name}"));
            return next.Plan() with { CreatePod = newPod };
        }

        next.PodName(pod.Metadata.Name);
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return next.Phase(fromSlurm ?? status.Phase ?? SlurmJobPhase.Pending).Plan();   // wait for it to go; then a new one
        }

        if (pod.Status?.Phase == "Failed")
        {
            if (status.SlurmJobId is { } slurmJobId)
            {
                next.Phase(fromSlurm ?? SlurmJobPhase.Submitted)
                    .Event(PlannedEvent.Warning("CompanionFailed", $"companion pod {pod.Metadata.Name} failed ({PodFailure(pod)}) while Slurm job {slurmJobId} is unfinished: replacing it; the new one re-attaches"));
                return next.Plan() with { DeletePod = pod.Metadata.Name };
            }
            return SubmitFailureReasons.Contains(status.Reason)
                ? next.Finish(SlurmJobPhase.Failed, status.Reason!, status.Message ?? "Slurm refused the job").Plan()
                : next.Finish(SlurmJobPhase.Failed, "CompanionFailed", $"companion pod {pod.Metadata.Name} failed before submitting: {PodFailure(pod)}").Plan();
        }

        var scheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (scheduled?.Status == "False")
        {
            return next.Phase(fromSlurm ?? SlurmJobPhase.Pending)
                .Condition(JobConditions.Scheduled, "False", scheduled.Reason ?? "Unschedulable", scheduled.Message ?? "the scheduler has not placed the companion pod")
                .Plan();
        }
        if (scheduled?.Status == "True" || pod.Spec?.NodeName is not null)
        {
            next.Condition(JobConditions.Scheduled, "True", "Scheduled", $"companion pod {pod.Metadata.Name} runs on node {pod.Spec?.NodeName}");
        }
        if (fromSlurm is not null)
        {
            next.Submitted();
        }
        return next.Phase(fromSlurm ?? SlurmJobPhase.Pending).Plan();
    }

    private static ReconcilePlan ReconcileDeletion(ObservedJob observed, DateTime deletedAt, CompanionPodOptions options)
    {
        var job = observed.Job;
        var status = job.Status ?? new SlurmJobStatus();
        var pod = observed.Pod;
        var fromSlurm = PhaseFromSlurm(status);
        var next = new StatusBuilder(job, observed.Now);
        var companionMaySubmit = pod?.Status?.Phase == "Running" && pod.Metadata.DeletionTimestamp is null;

        if (SlurmJobPhase.IsFinished(fromSlurm) || (status.SlurmJobId is null && !companionMaySubmit))
        {
            var words = status.SlurmJobId is { } done ? $"Slurm job {done} is {status.SlurmState}" : "no Slurm job was submitted";
            return new ReconcilePlan { RemoveFinalizer = true, Events = [PlannedEvent.Normal("Released", $"{words}: deletion may proceed")] };
        }

        var waited = observed.Now - deletedAt;
        var what = status.SlurmJobId is { } id ? $"Slurm job {id}" : "the companion's submission";
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
        if (pod is null && status.SlurmJobId is not null)
        {
            var (newPod, _) = CompanionPod.Build(job, RequestsFor(job, observed.Nodes).Requests, options);
            return plan with { CreatePod = newPod, Events = [PlannedEvent.Normal("RecreatedPod", $"the job is being deleted and {what} is unfinished: created a companion pod to cancel it")] };
        }
        if (pod?.Status?.Phase is "Failed" or "Succeeded" && status.SlurmJobId is not null)
        {
            return plan with { DeletePod = pod.Metadata.Name };
        }
        return plan;
    }

    /// <summary>The phase Slurm's state implies, or null when Slurm has not said anything yet.</summary>
    internal static string? PhaseFromSlurm(SlurmJobStatus status)
    {
        if (SubmitFailureReasons.Contains(status.Reason) && status.SlurmJobId is null)
        {
            return SlurmJobPhase.Failed;
        }
        if (status.SlurmState is null)
        {
            return null;
        }
        return JobStates.Parse(status.SlurmState) switch
        {
            JobState.Pending => SlurmJobPhase.Submitted,
            JobState.Running or JobState.Suspended or JobState.Completing => SlurmJobPhase.Running,
            JobState.Completed => SlurmJobPhase.Succeeded,
            JobState.Cancelled => SlurmJobPhase.Cancelled,
            JobState.Failed or JobState.Timeout or JobState.NodeFail or JobState.Preempted or JobState.BootFail
                or JobState.Deadline or JobState.OutOfMemory => SlurmJobPhase.Failed,
            _ => null,
        };
    }

    private static string FinishReason(string phase, SlurmJobStatus status) => phase switch
    {
        SlurmJobPhase.Succeeded => "Completed",
        SlurmJobPhase.Cancelled => "Cancelled",
        _ when SubmitFailureReasons.Contains(status.Reason) => status.Reason!,
        _ => JobStates.ReasonWord(status.SlurmState ?? "FAILED"),
    };

    private static string FinishMessage(string phase, SlurmJobStatus status)
    {
        if (status.SlurmJobId is null)
        {
            return status.Message ?? "Slurm refused the job";
        }
        var words = $"Slurm job {status.SlurmJobId} {status.SlurmState}" + (status.ExitCode is { } code ? $" with exit code {code}" : "");
        return phase == SlurmJobPhase.Succeeded || string.IsNullOrEmpty(status.Message) ? words : $"{words}: {status.Message}";
    }

    private static string PodFailure(V1Pod pod)
    {
        var terminated = pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Terminated;
        var words = terminated is null
            ? $"{pod.Status?.Reason} {pod.Status?.Message}".Trim()
            : $"exit code {terminated.ExitCode}" + (string.IsNullOrWhiteSpace(terminated.Message) ? "" : $": {terminated.Message.Trim()}");
        return words.Length > 0 ? words : "no reason given";
    }
}
