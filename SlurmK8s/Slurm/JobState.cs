namespace SlurmK8s.Slurm;

/// <summary>A Slurm job's base state. Same names and order as the proto's JobState, so the two map one to one.</summary>
internal enum JobState
{
    Unspecified,
    Pending,
    Running,
    Suspended,
    Completing,
    Completed,
    Failed,
    Cancelled,
    Timeout,
    NodeFail,
    Preempted,
    BootFail,
    Deadline,
    OutOfMemory,
    Unknown,
}

internal static class JobStates
{
    /// <summary>Slurm's own spelling of a base state (NODE_FAIL, OUT_OF_MEMORY), as squeue and sacct print it.</summary>
    public static string Word(this JobState state) => state switch
    {
        JobState.NodeFail => "NODE_FAIL",
        JobState.BootFail => "BOOT_FAIL",
        JobState.OutOfMemory => "OUT_OF_MEMORY",
        _ => state.ToString().ToUpperInvariant(),
    };

    /// <summary>The state <see cref="Word"/> wrote; anything else is Unknown.</summary>
    public static JobState FromWord(string? word) =>
        Enum.GetValues<JobState>().FirstOrDefault(state => state.Word() == word, JobState.Unknown);

    /// <summary>Slurm's state word as a Kubernetes reason (events, conditions): NODE_FAIL → NodeFail, "CANCELLED by 0" → Cancelled.</summary>
    public static string ReasonWord(string state) =>
        string.Concat(state.Trim().Split(' ', ',', '+')[0].Split('_', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => char.ToUpperInvariant(part[0]) + part[1..].ToLowerInvariant()));

    /// <summary>Reads Slurm's state word: "RUNNING", "CANCELLED by 1000", "COMPLETING,..." or a short code ("CD").</summary>
    public static JobState Parse(string? word)
    {
        if (string.IsNullOrWhiteSpace(word))
        {
            return JobState.Unknown;
        }
        // "CANCELLED by 0" (sacct) and "RUNNING+..." flags: the base state is the first word.
        var baseWord = word.Trim().Split(' ', ',', '+')[0].ToUpperInvariant();
        return baseWord switch
        {
            "PENDING" or "PD" or "REQUEUED" or "RQ" or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESV_DEL_HOLD" => JobState.Pending,
            "RUNNING" or "R" or "CONFIGURING" or "CF" or "RESIZING" or "SIGNALING" or "STAGE_OUT" => JobState.Running,
            "SUSPENDED" or "S" or "STOPPED" or "ST" => JobState.Suspended,
            "COMPLETING" or "CG" => JobState.Completing,
            "COMPLETED" or "CD" => JobState.Completed,
            "FAILED" or "F" => JobState.Failed,
            "CANCELLED" or "CA" or "REVOKED" => JobState.Cancelled,
            "TIMEOUT" or "TO" => JobState.Timeout,
            "NODE_FAIL" or "NF" => JobState.NodeFail,
            "PREEMPTED" or "PR" => JobState.Preempted,
            "BOOT_FAIL" or "BF" => JobState.BootFail,
            "DEADLINE" or "DL" => JobState.Deadline,
            "OUT_OF_MEMORY" or "OOM" => JobState.OutOfMemory,
            _ => JobState.Unknown,
        };
    }

    /// <summary>Whether the job has ended for good (a requeue aside): nothing more will run.</summary>
    public static bool IsFinished(this JobState state) => state is JobState.Completed or JobState.Failed or JobState.Cancelled
        or JobState.Timeout or JobState.NodeFail or JobState.Preempted or JobState.BootFail or JobState.Deadline
        or JobState.OutOfMemory;
}
