using System.Text.Json.Serialization;
using SlurmK8s.Slurm;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>Slurm's view of a SlurmJob's Slurm job (status.slurm), written by the companion only.</summary>
internal sealed record SlurmJobFacts
{
    [JsonPropertyName("jobId")]
    public long JobId { get; init; }

    /// <summary>The Slurm cluster that holds the job (its ClusterName), as the submit host's red-box reports it.</summary>
    [JsonPropertyName("cluster")]
    public string? Cluster { get; init; }

    /// <summary>Slurm's base state (PENDING, RUNNING, COMPLETED, NODE_FAIL…); for an array, the whole array's. Null: not known yet.</summary>
    [JsonPropertyName("state")]
    [JsonConverter(typeof(SlurmStateJsonConverter))]
    public JobState? State { get; init; }

    /// <summary>Slurm's reason word (Resources, Priority, NonZeroExitCode…).</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>Once finished: the batch script's exit code (an array: the highest of its tasks').</summary>
    [JsonPropertyName("exitCode")]
    public int? ExitCode { get; init; }

    /// <summary>Once finished: the signal that ended it, if one did.</summary>
    [JsonPropertyName("signal")]
    public int? Signal { get; init; }

    [JsonPropertyName("submitTime")]
    public DateTime? SubmitTime { get; init; }

    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; init; }

    [JsonPropertyName("endTime")]
    public DateTime? EndTime { get; init; }

    [JsonPropertyName("nodeList")]
    public string? NodeList { get; init; }

    /// <summary>The job's directory on the submit host (its relative paths start there).</summary>
    [JsonPropertyName("workDir")]
    public string? WorkDir { get; init; }

    /// <summary>The job's standard output file on the submit host, as Slurm names it.</summary>
    [JsonPropertyName("stdOut")]
    public string? StdOut { get; init; }

    [JsonPropertyName("arrayTasks")]
    public ArrayTaskCounts? ArrayTasks { get; init; }

    /// <summary>Up to five failed array tasks, for the operator's words ("task 3 FAILED, exit code 2").</summary>
    [JsonPropertyName("failedTasks")]
    public IList<FailedArrayTask>? FailedTasks { get; init; }
}

/// <summary>How many tasks of a job array are in each state.</summary>
internal sealed record ArrayTaskCounts
{
    [JsonPropertyName("total")]
    public int Total { get; init; }

    [JsonPropertyName("pending")]
    public int Pending { get; init; }

    [JsonPropertyName("running")]
    public int Running { get; init; }

    [JsonPropertyName("succeeded")]
    public int Succeeded { get; init; }

    [JsonPropertyName("failed")]
    public int Failed { get; init; }

    [JsonPropertyName("cancelled")]
    public int Cancelled { get; init; }
}

/// <summary>One array task that did not complete.</summary>
internal sealed record FailedArrayTask
{
    [JsonPropertyName("taskId")]
    public long TaskId { get; init; }

    [JsonPropertyName("state")]
    [JsonConverter(typeof(SlurmStateJsonConverter))]
    public JobState? State { get; init; }

    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    [JsonPropertyName("exitCode")]
    public int? ExitCode { get; init; }

    [JsonPropertyName("signal")]
    public int? Signal { get; init; }
}
