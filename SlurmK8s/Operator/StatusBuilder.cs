using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Operator;

/// <summary>
/// Builds the operator's part of the status for one pass, and the events its changes deserve: one for the first phase
/// (or the event that announces it, <see cref="AnnouncedBy"/>), one for the final phase, and every warning;
/// <see cref="Plan"/> leaves Status null when a reader would see nothing new, or nothing but the pod's placement
/// (<see cref="Placed"/>), which waits for the next change.
/// </summary>
internal sealed class StatusBuilder(SlurmJob job, DateTime now)
{
    public const string RedBoxUnreachable = "RedBoxUnreachable";
    public const string SlurmctldUnreachable = "SlurmctldUnreachable";

    private readonly SlurmJobStatus _old = job.Status ?? new SlurmJobStatus();
    private readonly List<PlannedEvent> _events = [];
    private string? _phase;
    private string? _podName = job.Status?.PodName;
    private string? _nodeName = job.Status?.NodeName;
    private List<V1Condition>? _conditions = job.Status?.Conditions?.ToList();
    private PlannedEvent? _announcement;
    private bool _placementWaits;

    public StatusBuilder Phase(string phase)
    {
        _phase = phase;
        return this;
    }

    public StatusBuilder PodName(string podName)
    {
        _podName = podName;
        return this;
    }

    /// <summary>The node the companion pod was placed on; kept once the pod is gone.</summary>
    public StatusBuilder NodeName(string? nodeName)
    {
        _nodeName = nodeName ?? _nodeName;
        return this;
    }

    public StatusBuilder Condition(string type, string status, string reason, string message)
    {
        _conditions = JobConditions.With(_conditions, type, status, reason, message, job.Metadata.Generation, now);
        return this;
    }

    public StatusBuilder Event(PlannedEvent plannedEvent)
    {
        _events.Add(plannedEvent);
        return this;
    }

    /// <summary>
    /// An event that also announces this pass's change of phase (the companion pod created: new → Pending), so the
    /// change gets no event of its own; its message then starts with the transition. A final phase is always announced
    /// by its own event.
    /// </summary>
    public StatusBuilder AnnouncedBy(PlannedEvent plannedEvent)
    {
        _announcement = plannedEvent;
        return this;
    }

    /// <summary>
    /// The companion pod is placed: Scheduled=True and the node's name. Before the job is submitted this is not worth a
    /// write of its own: it goes with the next change, the companion's first report of Slurm's answer a second or two
    /// after its pod starts. Written at once when it corrects a Scheduled=False (the user was told the pod could not be
    /// placed), and for a companion that replaces one of a job Slurm already has (no report may follow for hours).
    /// </summary>
    public StatusBuilder Placed(string podName, string? nodeName)
    {
        _placementWaits = _old.Slurm is null && JobConditions.Find(_old.Conditions, JobConditions.Scheduled) is not { Status: "False" };
        return NodeName(nodeName).Condition(JobConditions.Scheduled, "True", "Scheduled", $"companion pod {podName} runs on node {nodeName}");
    }

    public StatusBuilder Submitted(SlurmJobFacts? slurm) => slurm is not null
        ? Condition(JobConditions.Submitted, "True", "Submitted", $"Slurm job {slurm.JobId}")
        : this;

    /// <summary>
    /// Slurm runs the script it was given: an edit of spec after that is not applied, and the user is told so once
    /// (the API server of this era cannot refuse the edit).
    /// </summary>
    public StatusBuilder SpecApplied(CompanionReport? report, SlurmJobFacts? slurm)
    {
        if (slurm is null || report?.SubmittedGeneration is not { } submitted || job.Metadata.Generation is not { } generation || generation <= submitted)
        {
            return this;
        }
        var message = $"spec was changed (generation {generation}) after Slurm job {slurm.JobId} was submitted from generation {submitted}: "
            + "the change is not applied to a job Slurm already has. To run the new script, delete this SlurmJob and create it again";
        if (JobConditions.Find(_old.Conditions, JobConditions.SpecApplied) is not { Status: "False" } known || known.Message != message)
        {
            Event(PlannedEvent.Warning("SpecChangeIgnored", message));
        }
        return Condition(JobConditions.SpecApplied, "False", "SpecChangeIgnored", message);
    }

    /// <summary>
    /// The companion's outage report as the SlurmReachable condition, with one Warning when an outage begins (or what is
    /// down changes) and one Normal event when it ends. A job that never met an outage carries no such condition.
    /// </summary>
    public StatusBuilder Reachability(Outage? outage)
    {
        var known = JobConditions.Find(_old.Conditions, JobConditions.SlurmReachable);
        if (outage is null)
        {
            if (known is not { Status: "False" })
            {
                return this;
            }
            var back = OutageText.Restored(known.Reason == RedBoxUnreachable ? OutageComponent.RedBox : OutageComponent.Slurmctld);
            Event(PlannedEvent.Normal("SlurmReachable", back));
            return Condition(JobConditions.SlurmReachable, "True", "Answering", back);
        }
        var reason = outage.Component == OutageComponent.RedBox ? RedBoxUnreachable : SlurmctldUnreachable;
        var message = OutageText.Describe(outage);
        // Once per outage (and when what is down changes), not for every new wording of the same error.
        if (known is not { Status: "False" } || known.Reason != reason)
        {
            Event(PlannedEvent.Warning(reason, message));
        }
        return Condition(JobConditions.SlurmReachable, "False", reason, message);
    }

    /// <summary>The job is over: phase, the Finished condition, and a Warning event unless it succeeded.</summary>
    public StatusBuilder Finish(string phase, string reason, string message)
    {
        if (phase == SlurmJobPhase.Failed && _old.Slurm is null)
        {
            Condition(JobConditions.Submitted, "False", reason, message);
        }
        return Phase(phase).Condition(JobConditions.Finished, "True", reason, message);
    }

    public ReconcilePlan Plan()
    {
        var phase = _phase ?? _old.Phase ?? SlurmJobPhase.Pending;
        var events = new List<PlannedEvent>();
        var changed = phase != _old.Phase;
        var finalPhase = SlurmJobPhase.IsFinished(phase);
        var announced = changed && !finalPhase && _announcement is not null;
        if (_announcement is { } announcement)
        {
            events.Add(announced ? announcement with { Message = $"{_old.Phase ?? "new"} → {phase}: {announcement.Message}" } : announcement);
        }
        // An event for the first phase and for the final one (and every warning): the phases between are in the status
        // (`kubectl get sj`, the Submitted condition, status.slurm's times), each written once.
        if (changed && (finalPhase || (_old.Phase is null && !announced)))
        {
            var finished = JobConditions.Find(_conditions, JobConditions.Finished);
            var scheduled = JobConditions.Find(_conditions, JobConditions.Scheduled);
            var detail = phase switch
            {
                SlurmJobPhase.Pending when scheduled?.Status == "False" => scheduled.Message,
                _ when SlurmJobPhase.IsFinished(phase) => finished?.Message,
                _ when _old.Slurm is { } slurm => SlurmFactsText.Describe(slurm),
                _ => null,
            };
            var text = $"{_old.Phase ?? "new"} → {phase}" + (detail is null ? "" : $": {detail}");
            events.Add(phase == SlurmJobPhase.Failed ? PlannedEvent.Warning(phase, text) : PlannedEvent.Normal(phase, text));
        }
        var oldScheduled = JobConditions.Find(_old.Conditions, JobConditions.Scheduled);
        if (JobConditions.Find(_conditions, JobConditions.Scheduled) is { Status: "False" } unschedulable
            && (oldScheduled?.Status != "False" || oldScheduled.Message != unschedulable.Message))
        {
            events.Add(PlannedEvent.Warning(unschedulable.Reason, unschedulable.Message));
        }
        events.AddRange(_events);

        var status = new SlurmJobStatus
        {
            Phase = phase,
            PodName = _podName,
            NodeName = _nodeName,
            ObservedGeneration = job.Metadata.Generation,
            Conditions = _conditions,
        };
        var unchanged = phase == _old.Phase && _podName == _old.PodName && status.ObservedGeneration == _old.ObservedGeneration
                        && (_placementWaits && JobConditions.Find(_conditions, JobConditions.Scheduled) is { Status: "True" }
                            ? JobConditions.SameAs(Without(_conditions, JobConditions.Scheduled), Without(_old.Conditions, JobConditions.Scheduled))
                            : _nodeName == _old.NodeName && JobConditions.SameAs(_conditions, _old.Conditions));
        return new ReconcilePlan { Status = unchanged ? null : status, Events = events };
    }

    private static List<V1Condition>? Without(IEnumerable<V1Condition>? conditions, string type) => conditions?.Where(c => c.Type != type).ToList();
}
