using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>A Slurm batch job run from Kubernetes (slurm.sylabs.io/v1alpha1, kind SlurmJob, the seed's API).</summary>
internal sealed class SlurmJob : IKubernetesObject<V1ObjectMeta>, ISpec<SlurmJobSpec>, IStatus<SlurmJobStatus?>
{
    public const string Group = "slurm.sylabs.io";
    public const string Version = "v1alpha1";
    public const string Plural = "slurmjobs";
    public const string KindName = "SlurmJob";
    public const string ApiVersionName = Group + "/" + Version;

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiVersionName;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public SlurmJobSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public SlurmJobStatus? Status { get; set; }
}

/// <summary>A page of SlurmJobs as the API server lists them.</summary>
internal sealed class SlurmJobList : IKubernetesObject<V1ListMeta>, IItems<SlurmJob>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = SlurmJob.ApiVersionName;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "SlurmJobList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<SlurmJob> Items { get; set; } = [];
}
