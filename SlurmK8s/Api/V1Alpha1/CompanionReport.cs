using System.Text.Json.Serialization;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>What the companion did that Slurm does not know (status.companion), written by the companion only.</summary>
internal sealed record CompanionReport
{
    /// <summary>Why red-box would not submit the script; null when it did (or has not been asked yet).</summary>
    [JsonPropertyName("submitFailure")]
    public SubmitFailure? SubmitFailure { get; init; }

    /// <summary>
    /// The SlurmJob's metadata.generation whose script was submitted: a later edit of the spec is not applied to a job
    /// Slurm already has, and the operator says so.
    /// </summary>
    [JsonPropertyName("submittedGeneration")]
    public long? SubmittedGeneration { get; init; }

    /// <summary>How collecting the results went; null until the companion tried (or when there is nothing to collect).</summary>
    [JsonPropertyName("results")]
    public ResultsReport? Results { get; init; }

    /// <summary>
    /// What the companion has not been able to reach for longer than its outage threshold, and since when; null while
    /// everything answers. The operator turns it into the Reachable condition and one Warning event each way.
    /// </summary>
    [JsonPropertyName("outage")]
    public Outage? Outage { get; init; }
}

/// <summary>A part of the path to Slurm that stopped answering: what, where, since when, in its own words.</summary>
internal sealed record Outage
{
    [JsonPropertyName("component")]
    [JsonConverter(typeof(JsonStringEnumConverter<OutageComponent>))]
    public OutageComponent Component { get; init; }

    /// <summary>Where it was looked for: red-box's socket and the node, or the Slurm cluster red-box asks.</summary>
    [JsonPropertyName("where")]
    public string Where { get; init; } = "";

    /// <summary>When the first failed attempt of this outage was made.</summary>
    [JsonPropertyName("since")]
    public DateTime Since { get; init; }

    /// <summary>The last error, as the unreachable side's client gave it.</summary>
    [JsonPropertyName("message")]
    public string Message { get; init; } = "";
}

internal enum OutageComponent
{
    /// <summary>The companion cannot reach red-box on its node.</summary>
    RedBox,

    /// <summary>red-box answers, but cannot reach slurmctld (its Slurm commands fail as unavailable).</summary>
    Slurmctld,
}

/// <summary>A submission red-box refused, in its own words.</summary>
internal sealed record SubmitFailure
{
    [JsonPropertyName("reason")]
    [JsonConverter(typeof(JsonStringEnumConverter<SubmitFailureReason>))]
    public SubmitFailureReason Reason { get; init; }

    [JsonPropertyName("message")]
    public string Message { get; init; } = "";
}

internal enum SubmitFailureReason
{
    /// <summary>sbatch or red-box refused the script (a bad directive, a partition the tenant may not use, too large).</summary>
    SubmitRefused,

    /// <summary>red-box or Slurm denied the caller.</summary>
    SubmitDenied,

    /// <summary>Anything else, after the companion's retries.</summary>
    SubmitFailed,
}

/// <summary>How collecting the results went.</summary>
internal sealed record ResultsReport
{
    [JsonPropertyName("outcome")]
    [JsonConverter(typeof(JsonStringEnumConverter<ResultsOutcome>))]
    public ResultsOutcome Outcome { get; init; }

    /// <summary>Files written into the results volume.</summary>
    [JsonPropertyName("files")]
    public int Files { get; init; }

    /// <summary>Where they went, or what went wrong and how to fix it.</summary>
    [JsonPropertyName("message")]
    public string Message { get; init; } = "";
}

internal enum ResultsOutcome
{
    /// <summary>Every file asked for was copied.</summary>
    Collected,

    /// <summary>Some files asked for did not exist in the job's directory.</summary>
    ResultsMissing,

    /// <summary>The results volume could not be written.</summary>
    ResultsNotWritable,
}
