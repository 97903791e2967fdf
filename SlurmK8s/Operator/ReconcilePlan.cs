using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Operator;

/// <summary>What one reconcile pass decided; the controller carries it out (children first, then ONE status write).</summary>
internal sealed record ReconcilePlan
{
    /// <summary>Add the finalizer before anything else (before the pod is created).</summary>
    public bool AddFinalizer { get; init; }

    /// <summary>Remove the finalizer last, after the status write and its events (deletion may proceed, or the phase is final).</summary>
    public bool RemoveFinalizer { get; init; }
    public V1Pod? CreatePod { get; init; }

    /// <summary>A companion pod to delete (a failed one whose Slurm job still runs: its successor re-attaches).</summary>
    public string? DeletePod { get; init; }

    /// <summary>
    /// Newcomers' unplaced companion pods to delete, each only as it was read: a re-attaching job's slot comes first
    /// (<see cref="ReattachFirst"/>).
    /// </summary>
    public IReadOnlyList<PodVersion> EvictPods { get; init; } = [];

    /// <summary>The operator's status fields (phase, conditions, observedGeneration, podName); null: unchanged.</summary>
    public SlurmJobStatus? Status { get; init; }

    /// <summary>Events to post on the SlurmJob.</summary>
    public IReadOnlyList<PlannedEvent> Events { get; init; } = [];

    /// <summary>Look again after this long even if nothing changes (e.g. a cancel timeout).</summary>
    public TimeSpan? RequeueAfter { get; init; }
}
