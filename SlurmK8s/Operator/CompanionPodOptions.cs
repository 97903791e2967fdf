
namespace SlurmK8s.Operator;

/// <summary>How the operator builds companion pods (operator flags).</summary>
internal sealed record CompanionPodOptions
{
    /// <summary>The slurmk8s image the companion runs from.</summary>
    public required string Image { get; init; }

    public string ImagePullPolicy { get; init; } = "IfNotPresent";

    /// <summary>UID and GID the companion runs as (the seed's default 1000): they must be able to write the results volume.</summary>
    public long RunAsUser { get; init; } = 1000;

    public long RunAsGroup { get; init; } = 1000;

    /// <summary>The group that may use red-box's socket (its --socket-group), added as a supplemental group; null: none.</summary>
    public long? SocketGroupId { get; init; }

    /// <summary>red-box's socket on the node (a hostPath); mounted at the same path in the pod.</summary>
    public string RedBoxSocket { get; init; } = RedBoxContract.RedBoxSocket.DefaultPath;

    /// <summary>The service account that may patch slurmjobs/status and create events in the job's namespace.</summary>
    public string ServiceAccount { get; init; } = "slurm-companion";

    /// <summary>The cpu and memory a companion asks of its node (--companion-cpu-request, --companion-memory-request, --companion-memory-limit).</summary>
    public CompanionResources Resources { get; init; } = CompanionResources.Default;

    /// <summary>Which volumes spec.results.mount may be (--results-volume-types, --results-host-path-prefix).</summary>
    public ResultsVolumePolicy ResultsVolumes { get; init; } = ResultsVolumePolicy.Default;

    /// <summary>
    /// The PriorityClass of a companion pod whose SlurmJob already has a Slurm job (a re-attaching companion): the
    /// scheduler places it before the pods of jobs not yet submitted, and may preempt one of those, so the slot its Slurm
    /// job already uses is never given to a new job. Empty: none (the class must exist: manifests/priorityclass.yaml).
    /// </summary>
    public string ReattachPriorityClass { get; init; } = DefaultReattachPriorityClass;

    public const string DefaultReattachPriorityClass = "slurmk8s-reattach";

    /// <summary>How long a deleted SlurmJob waits for its companion to cancel the Slurm job before its finalizer comes off anyway.</summary>
    public TimeSpan CancelTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
