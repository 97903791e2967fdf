using System.Buffers;
using SlurmK8s.RedBoxContract;
using System.Runtime.CompilerServices;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox;

/// <summary>
/// Follows a file as it grows. With a job id it follows while the job runs and, once the job has finished,
/// drains what is left and ends. The job's state comes from the shared cache: following costs no Slurm query.
/// </summary>
internal sealed class OutputFollower(JobStateCache cache, TimeSpan pollDelay)
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Follows a file under <paramref name="roots"/>; the caller has checked that <paramref name="jobId"/>, if given, is its own.</summary>
    public async IAsyncEnumerable<FileChunk> FollowAsync(ServedRoots roots, string? path, long jobId, long offset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(path))
        {
            path = jobId > 0
                ? await StdOutOfAsync(jobId, cancellationToken).ConfigureAwait(false)
                : throw new SlurmException(SlurmErrorKind.InvalidArgument, "give a path, or a job_id to follow the job's standard output");
        }
        var resolved = roots.Resolve(path);
        FileStream? stream = null;
        try
        {
            while (true)
            {
                // Read the state BEFORE draining: if the job had finished then, what we drain next is all there is.
                var finished = jobId > 0 && (await cache.GetAsync([jobId], cancellationToken).ConfigureAwait(false))[0].IsFinished;
                if (stream is null && roots.FileExists(resolved))
                {
                    stream = roots.OpenRead(path);
                    stream.Seek(offset, SeekOrigin.Begin);
                }
                if (stream is not null)
                {
                    // A follower mostly waits: it holds a read buffer only while it drains (300 followers held 19 MB).
                    var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                    try
                    {
                        int read;
                        while ((read = await stream.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            yield return new FileChunk(buffer.AsMemory(0, read).ToArray(), offset);
                            offset += read;
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
                if (finished)
                {
                    if (stream is null)
                    {
                        throw new SlurmException(SlurmErrorKind.NotFound, $"job {jobId} has finished and its output file {path} does not exist");
                    }
                    yield break;
                }
                await Task.Delay(pollDelay, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads a whole file.</summary>
    public static async IAsyncEnumerable<FileChunk> ReadAsync(ServedRoots roots, string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = roots.OpenRead(path);
        var buffer = new byte[ChunkSize];
        long offset = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            yield return new FileChunk(buffer.AsMemory(0, read).ToArray(), offset);
            offset += read;
        }
    }

    private async Task<string> StdOutOfAsync(long jobId, CancellationToken cancellationToken)
    {
        // The snapshot carries the real path (an #SBATCH --output included, Slurm's default name otherwise).
        var snapshot = (await cache.GetAsync([jobId], cancellationToken).ConfigureAwait(false))[0];
        return snapshot.Job.StdOut.Length > 0
            ? snapshot.Job.StdOut
            : throw new SlurmException(SlurmErrorKind.NotFound, $"job {jobId}'s output file is not known: Slurm reports neither it nor the job's work dir");
    }
}
