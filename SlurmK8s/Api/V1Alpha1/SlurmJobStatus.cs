using System.Text.Json.Serialization;
using k8s.Models;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>
/// What Slurm and Kubernetes say about a SlurmJob. Two writers, each merge-patching only its own fields:
/// the companion writes what Slurm says (<see cref="CompanionFields"/>); the operator writes phase,
/// conditions, observedGeneration and the pod name (<see cref="OperatorFields"/>).
/// </summary>
internal sealed class SlurmJobStatus
{
    // ---- the operator's
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("podName")]
    public string? PodName { get; set; }

    // ---- the companion's (from Slurm)
    [JsonPropertyName("slurmJobId")]
    public long? SlurmJobId { get; set; }

    /// <summary>Slurm's state word (PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, …); for an array, the whole array's.</summary>
    [JsonPropertyName("slurmState")]
    public string? SlurmState { get; set; }

    [JsonPropertyName("exitCode")]
    public int? ExitCode { get; set; }

    /// <summary>A CamelCase word: Slurm's reason (Resources, NonZeroExitCode, …) or the companion's (SubmitRefused, …).</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Human words for the reason, Slurm's own where Slurm said something.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("submitTime")]
    public DateTime? SubmitTime { get; set; }

    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; set; }

    [JsonPropertyName("endTime")]
    public DateTime? EndTime { get; set; }

    [JsonPropertyName("nodeList")]
    public string? NodeList { get; set; }

    [JsonPropertyName("arrayTasks")]
    public ArrayTaskCounts? ArrayTasks { get; set; }

    /// <summary>The fields the operator owns, for its merge patch.</summary>
    public static readonly string[] OperatorFields = ["phase", "conditions", "observedGeneration", "podName"];

    /// <summary>The fields the companion owns, for its merge patch.</summary>
    public static readonly string[] CompanionFields = ["slurmJobId", "slurmState", "exitCode", "reason", "message", "submitTime", "startTime", "endTime", "nodeList", "arrayTasks"];
}

/// <summary>How many tasks of a job array are in each state (from Slurm, via the companion).</summary>
internal sealed class ArrayTaskCounts
{
    [JsonPropertyName("total")]
    public int Total { get; set; }

    [JsonPropertyName("pending")]
    public int Pending { get; set; }

    [JsonPropertyName("running")]
    public int Running { get; set; }

    [JsonPropertyName("succeeded")]
    public int Succeeded { get; set; }

    [JsonPropertyName("failed")]
    public int Failed { get; set; }

    [JsonPropertyName("cancelled")]
    public int Cancelled { get; set; }
}
