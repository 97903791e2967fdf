using SlurmK8s.Os;

namespace SlurmK8s.Slurm;

/// <summary>One sbatch: the script (read from stdin), where it runs from, and whose it is.</summary>
internal sealed record BatchSubmission(string Script, string WorkDir)
{
    public string? Partition { get; init; }
    public string? Account { get; init; }
    public string? Qos { get; init; }
    public string? Comment { get; init; }
    /// <summary>The Unix user sbatch runs as (the job's owner in Slurm); null: red-box's own user.</summary>
    public UnixUser? RunAs { get; init; }
}
