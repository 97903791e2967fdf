using SlurmK8s.Slurm;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>The phases a SlurmJob moves through (status.phase). Strings, as the API shows them.</summary>
internal static class SlurmJobPhase
{
    /// <summary>No Slurm job yet (e.g. the companion pod is not scheduled; a condition says why).</summary>
    public const string Pending = "Pending";

    /// <summary>Slurm has the job and it is PENDING.</summary>
    public const string Submitted = "Submitted";

    public const string Running = "Running";

    /// <summary>COMPLETED with exit code 0 (an array: every task).</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY…, a refused submission or a spec that can never run.</summary>
    public const string Failed = "Failed";

    public const string Cancelled = "Cancelled";

    public static bool IsFinished(string? phase) => phase is Succeeded or Failed or Cancelled;

    /// <summary>The one path from Slurm's state to a phase; null when Slurm's state says nothing yet.</summary>
    public static string? FromSlurm(JobState? state) => state switch
    {
        JobState.Pending => Submitted,
        JobState.Running or JobState.Suspended or JobState.Completing => Running,
        JobState.Completed => Succeeded,
        JobState.Cancelled => Cancelled,
        JobState.Failed or JobState.Timeout or JobState.NodeFail or JobState.Preempted or JobState.BootFail
            or JobState.Deadline or JobState.OutOfMemory => Failed,
        _ => null,
    };
}
