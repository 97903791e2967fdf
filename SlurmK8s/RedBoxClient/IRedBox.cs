using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.RedBoxClient;

/// <summary>
/// What the companion asks of red-box. Failures are <see cref="Slurm.SlurmException"/>s whose kind is red-box's status
/// and whose message is Slurm's (or red-box's) own words; <see cref="Slurm.SlurmErrorKind.Unavailable"/> means "try again".
/// The red-box contract's messages (<see cref="Proto.Job"/>) are used as they are: this is the contract's edge.
/// </summary>
internal interface IRedBox
{
    /// <summary>Submits with an idempotency key: the same key always yields the same Slurm job.</summary>
    Task<SubmitOutcome> SubmitAsync(string script, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>
    /// Cancels the job this SlurmJob's key made (pending or running; a finished one is not an error) and returns its id.
    /// By key, not by id: red-box finds the key in this SlurmJob's own scope, so an id written into the status by someone
    /// else cannot make the companion cancel a job that is not this SlurmJob's.
    /// </summary>
    Task<long> CancelAsync(string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>The job now, then every change; ends once the job has finished.</summary>
    IAsyncEnumerable<Proto.Job> WatchAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>Follows a file (empty path: the job's standard output) while the job runs, then drains it and ends.</summary>
    IAsyncEnumerable<FileChunk> TailAsync(string path, long jobId, long offset, CancellationToken cancellationToken);

    /// <summary>Reads a whole file on the submit host.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>The files a glob names on the submit host.</summary>
    Task<FileListing> ListAsync(string pattern, CancellationToken cancellationToken);
}
