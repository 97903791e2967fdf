using System.Runtime.CompilerServices;
using Grpc.Core;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.RedBoxClient;

/// <summary>red-box over its gRPC client (made by <see cref="RedBoxConnection"/>, whose interceptor puts failures in words): proto ↔ contract records.</summary>
internal sealed class GrpcRedBox(Proto.RedBox.RedBoxClient client) : IRedBox
{
    public async Task<SubmitOutcome> SubmitAsync(string script, string idempotencyKey, CancellationToken cancellationToken)
    {
        var response = await client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = script, IdempotencyKey = idempotencyKey },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return new SubmitOutcome(response.JobId, response.AlreadySubmitted, response.WorkDir, response.Cluster);
    }

    public async Task<long> CancelAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        (await client.CancelJobAsync(new Proto.CancelJobRequest { IdempotencyKey = idempotencyKey }, cancellationToken: cancellationToken)
            .ConfigureAwait(false)).JobId;

    public async Task<FileListing> ListAsync(string pattern, CancellationToken cancellationToken)
    {
        var response = await client.ListFilesAsync(new Proto.ListFilesRequest { Pattern = pattern }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new FileListing([.. response.Paths], response.Truncated);
    }

    public IAsyncEnumerable<Proto.Job> WatchAsync(long jobId, CancellationToken cancellationToken) =>
        StreamAsync(client.WatchJobs(new Proto.WatchJobsRequest { JobIds = { jobId } }, cancellationToken: cancellationToken), job => job, cancellationToken);

    public IAsyncEnumerable<FileChunk> TailAsync(string path, long jobId, long offset, CancellationToken cancellationToken) =>
        StreamAsync(client.TailFile(new Proto.TailFileRequest { Path = path, JobId = jobId, Offset = offset }, cancellationToken: cancellationToken),
            chunk => new FileChunk(chunk.Content.Memory, chunk.Offset), cancellationToken);

    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(string path, CancellationToken cancellationToken) =>
        StreamAsync(client.OpenFile(new Proto.OpenFileRequest { Path = path }, cancellationToken: cancellationToken), chunk => chunk.Content.Memory, cancellationToken);

    private static async IAsyncEnumerable<TOut> StreamAsync<TIn, TOut>(AsyncServerStreamingCall<TIn> call, Func<TIn, TOut> map,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (call)
        {
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                yield return map(call.ResponseStream.Current);
            }
        }
    }
}
