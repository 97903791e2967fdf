namespace SlurmK8s.Companion;

/// <summary>
/// Calls red-box until it answers. The session is the one implementation: while red-box, or Slurm behind it, is
/// unavailable it notes each failure and reports an outage past --outage-after, whatever phase the job is in.
/// </summary>
internal interface IRedBoxRetry
{
    Task<T> UntilAnsweredAsync<T>(Func<Task<T>> call, CancellationToken stop);
}
