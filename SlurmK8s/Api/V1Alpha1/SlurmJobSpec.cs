using System.Text.Json.Serialization;
using k8s.Models;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>What the user asks for: the seed's fields, unchanged, plus <see cref="SlurmJobResults.Files"/>.</summary>
internal sealed class SlurmJobSpec
{
    /// <summary>The batch script, as given to sbatch (its #SBATCH lines are read for resource requests).</summary>
    [JsonPropertyName("batch")]
    public string Batch { get; set; } = "";

    /// <summary>Node labels the companion pod must match (besides slurm.sylabs.io/workload-manager=slurm).</summary>
    [JsonPropertyName("nodeSelector")]
    public IDictionary<string, string>? NodeSelector { get; set; }

    [JsonPropertyName("results")]
    public SlurmJobResults? Results { get; set; }
}

/// <summary>Where the job's result files are collected to, and which.</summary>
internal sealed class SlurmJobResults
{
    /// <summary>Any Kubernetes volume; results land under &lt;volume&gt;/&lt;companion pod name&gt;/.</summary>
    [JsonPropertyName("mount")]
    public V1Volume? Mount { get; set; }

    /// <summary>One file (the seed's field), relative to red-box's work dir.</summary>
    [JsonPropertyName("from")]
    public string? From { get; set; }

    /// <summary>Files or globs to collect; with neither this nor From, the job's slurm-&lt;id&gt;.out (every task's for an array).</summary>
    [JsonPropertyName("files")]
    public IList<string>? Files { get; set; }
}
