using System.Text.Json.Serialization;
using k8s.Models;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>
/// What Slurm and Kubernetes say about a SlurmJob. One writer per field, each merge-patching only its own:
/// the companion writes <see cref="Slurm"/> (what Slurm says) and <see cref="Companion"/> (what it did itself);
/// the operator writes everything else and alone decides the phase and announces it.
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

    /// <summary>The Kubernetes node the companion pod runs on: the submit host whose red-box gave the job to Slurm.</summary>
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    // ---- the companion's
    /// <summary>Slurm's view of the job, as red-box reports it.</summary>
    [JsonPropertyName("slurm")]
    public SlurmJobFacts? Slurm { get; set; }

    /// <summary>What the companion itself did that Slurm does not know: a refused submission, the results it collected.</summary>
    [JsonPropertyName("companion")]
    public CompanionReport? Companion { get; set; }
}
