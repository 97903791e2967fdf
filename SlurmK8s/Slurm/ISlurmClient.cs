using SlurmK8s.Os;

namespace SlurmK8s.Slurm;

/// <summary>The Slurm operations red-box needs. One call here is one Slurm command.</summary>
internal interface ISlurmClient
{
    /// <summary>sbatch, as the submission's user: returns the new job id.</summary>
    Task<long> SubmitAsync(BatchSubmission submission, CancellationToken cancellationToken);

    /// <summary>scancel, as <paramref name="runAs"/> (so Slurm itself checks the job is that user's).</summary>
    Task CancelAsync(long jobId, UnixUser? runAs, CancellationToken cancellationToken);

    /// <summary>squeue: the rows of the given jobs (and of their array tasks) still in the controller's memory.</summary>
    Task<IReadOnlyList<JobRecord>> QueueAsync(IReadOnlyCollection<long> jobIds, CancellationToken cancellationToken);

    /// <summary>squeue: every job of these users still in the controller's memory.</summary>
    Task<IReadOnlyList<JobRecord>> QueueOfUsersAsync(IReadOnlyCollection<string> users, CancellationToken cancellationToken);

    /// <summary>sacct: the rows of the given jobs from accounting (jobs that have left squeue).</summary>
    Task<IReadOnlyList<JobRecord>> AccountingAsync(IReadOnlyCollection<long> jobIds, CancellationToken cancellationToken);

    /// <summary>sacct: these users' jobs submitted since <paramref name="since"/>.</summary>
    Task<IReadOnlyList<JobRecord>> AccountingOfUsersSinceAsync(IReadOnlyCollection<string> users, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>sacct: a job's steps.</summary>
    Task<IReadOnlyList<StepRecord>> StepsAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>scontrol show partition + node.</summary>
    Task<IReadOnlyList<PartitionRecord>> PartitionsAsync(CancellationToken cancellationToken);

    /// <summary>scontrol show config.</summary>
    Task<ClusterConfig> ConfigAsync(CancellationToken cancellationToken);
}
