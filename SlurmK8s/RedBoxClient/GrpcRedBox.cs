using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Grpc.Core;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.RedBoxClient;

/// <summary>red-box over its gRPC client: calls pass through; RpcExceptions become SlurmExceptions with red-box's words.</summary>
internal sealed class GrpcRedBox(Proto.RedBox.RedBoxClient client, string socketPath) : IRedBox
{
    public async Task<SubmitOutcome> SubmitAsync(string script, string idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = script, IdempotencyKey = idempotencyKey },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return new SubmitOutcome(response.JobId, response.AlreadySubmitted, response.WorkDir);
        }
        catch (RpcException e)
        {
            throw Translate(e, cancellationToken);
        }
    }

    public async Task<long> CancelAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.CancelJobAsync(new Proto.CancelJobRequest { IdempotencyKey = idempotencyKey }, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return response.JobId;
        }
        catch (RpcException e)
        {
            throw Translate(e, cancellationToken);
        }
    }

    public async Task<FileListing> ListAsync(string pattern, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.ListFilesAsync(new Proto.ListFilesRequest { Pattern = pattern }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new FileListing([.. response.Paths], response.Truncated);
        }
        catch (RpcException e)
        {
            throw Translate(e, cancellationToken);
        }
    }

    public IAsyncEnumerable<Proto.Job> WatchAsync(long jobId, CancellationToken cancellationToken) =>
        StreamAsync(client.WatchJobs(new Proto.WatchJobsRequest { JobIds = { jobId } }, cancellationToken: cancellationToken), job => job, cancellationToken);

    public IAsyncEnumerable<FileChunk> TailAsync(string path, long jobId, long offset, CancellationToken cancellationToken) =>
        StreamAsync(client.TailFile(new Proto.TailFileRequest { Path = path, JobId = jobId, Offset = offset }, cancellationToken: cancellationToken),
            chunk => new FileChunk(chunk.Content.Memory, chunk.Offset), cancellationToken);

    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(string path, CancellationToken cancellationToken) =>
        StreamAsync(client.OpenFile(new Proto.OpenFileRequest { Path = path }, cancellationToken: cancellationToken), chunk => chunk.Content.Memory, cancellationToken);

    private async IAsyncEnumerable<TOut> StreamAsync<TIn, TOut>(AsyncServerStreamingCall<TIn> call, Func<TIn, TOut> map,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (call)
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException e)
                {
                    throw Translate(e, cancellationToken);
                }
                if (!more)
                {
                    yield break;
                }
                yield return map(call.ResponseStream.Current);
            }
        }
    }

    private Exception Translate(RpcException e, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException(cancellationToken);
        }
        var kind = e.StatusCode switch
        {
            StatusCode.InvalidArgument => SlurmErrorKind.InvalidArgument,
            StatusCode.NotFound => SlurmErrorKind.NotFound,
            StatusCode.PermissionDenied => SlurmErrorKind.PermissionDenied,
            StatusCode.FailedPrecondition => SlurmErrorKind.FailedPrecondition,
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.ResourceExhausted or StatusCode.Cancelled
                => SlurmErrorKind.Unavailable,
            // A broken connection (red-box restarting) can surface as Internal/Unknown: still "try again".
            _ when e.Status.DebugException is IOException or HttpRequestException or SocketException => SlurmErrorKind.Unavailable,
            _ => SlurmErrorKind.Internal,
        };
        var message = kind switch
        {
            SlurmErrorKind.Unavailable => $"red-box on {socketPath} did not answer ({e.StatusCode}): {e.Status.Detail}"
                + (File.Exists(socketPath) ? "" : " (no socket there: is red-box running on this node, and its socket's directory mounted into the pod?)"),
            _ when e.StatusCode == StatusCode.Unimplemented => $"red-box on {socketPath} is older than this companion: {e.Status.Detail}; upgrade red-box",
            _ => e.Status.Detail,
        };
        return new SlurmException(kind, message);
    }
}
