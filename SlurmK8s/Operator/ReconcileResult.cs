namespace SlurmK8s.Operator;

/// <summary>How one reconcile pass ended, as the reconciles counter labels it (controller-runtime's words).</summary>
internal enum ReconcileResult
{
    /// <summary>Done; nothing to do until the world changes.</summary>
    Success,

    /// <summary>Done for now, asked to run again later (waiting on the pod, on Slurm…).</summary>
    Requeue,

    /// <summary>Failed; retried with backoff.</summary>
    Error,
}
