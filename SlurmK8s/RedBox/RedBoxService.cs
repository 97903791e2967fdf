using System.Diagnostics;
using Grpc.Core;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.RedBox;

/// <summary>The gRPC face of red-box: translates between proto messages and the domain, nothing more.</summary>
internal sealed class RedBoxService(JobSubmitter submitter, JobStateCache cache, ISlurmClient slurm, OutputFollower files, FileLister lister,
    SlurmSite site)
    : Proto.RedBox.RedBoxBase
{
    public override async Task<Proto.SubmitJobResponse> SubmitJob(Proto.SubmitJobRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = await submitter.SubmitAsync(request.Script, request.Partition, request.IdempotencyKey, context.CancellationToken);
        context.ResponseTrailers.Add(ServerTiming.Key, ServerTiming.Format("submit", Stopwatch.GetElapsedTime(started)));
        return new Proto.SubmitJobResponse { JobId = outcome.JobId, AlreadySubmitted = outcome.AlreadySubmitted };
    }

    public override async Task<Proto.CancelJobResponse> CancelJob(Proto.CancelJobRequest request, ServerCallContext context)
    {
        RequireJobId(request.JobId);
        await slurm.CancelAsync(request.JobId, context.CancellationToken);
        cache.Invalidate(request.JobId);
        return new Proto.CancelJobResponse();
    }

    public override async Task<Proto.JobInfoResponse> JobInfo(Proto.JobInfoRequest request, ServerCallContext context)
    {
        RequireJobIds(request.JobIds);
        var response = new Proto.JobInfoResponse();
        foreach (var snapshot in await cache.GetAsync([.. request.JobIds], context.CancellationToken))
        {
            response.Jobs.Add(snapshot.ToProto());
        }
        return response;
    }

    public override async Task WatchJobs(Proto.WatchJobsRequest request, IServerStreamWriter<Proto.Job> responseStream, ServerCallContext context)
    {
        RequireJobIds(request.JobIds);
        await foreach (var snapshot in cache.WatchAsync([.. request.JobIds], context.CancellationToken))
        {
            await responseStream.WriteAsync(snapshot.ToProto(), context.CancellationToken);
        }
    }

    public override async Task<Proto.JobStepsResponse> JobSteps(Proto.JobStepsRequest request, ServerCallContext context)
    {
        RequireJobId(request.JobId);
        if (!await site.IsAccountingEnabledAsync(context.CancellationToken))
        {
            throw new SlurmException(SlurmErrorKind.FailedPrecondition, "job steps come from Slurm accounting, which is disabled on this cluster");
        }
        var response = new Proto.JobStepsResponse();
        response.Steps.AddRange((await slurm.StepsAsync(request.JobId, context.CancellationToken)).Select(s => s.ToProto()));
        return response;
    }

    public override async Task OpenFile(Proto.OpenFileRequest request, IServerStreamWriter<Proto.Chunk> responseStream, ServerCallContext context)
    {
        await foreach (var chunk in files.ReadAsync(request.Path, context.CancellationToken))
        {
            await responseStream.WriteAsync(chunk.ToProto(), context.CancellationToken);
        }
    }

    public override Task<Proto.ListFilesResponse> ListFiles(Proto.ListFilesRequest request, ServerCallContext context)
    {
        var listing = lister.List(request.Pattern);
        var response = new Proto.ListFilesResponse { Truncated = listing.Truncated };
        response.Paths.AddRange(listing.Paths);
        return Task.FromResult(response);
    }

    public override async Task TailFile(Proto.TailFileRequest request, IServerStreamWriter<Proto.Chunk> responseStream, ServerCallContext context)
    {
        if (request.Offset < 0)
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, "offset must be 0 or more");
        }
        await foreach (var chunk in files.FollowAsync(request.Path, request.JobId, request.Offset, context.CancellationToken))
        {
            await responseStream.WriteAsync(chunk.ToProto(), context.CancellationToken);
        }
    }

    public override async Task<Proto.PartitionsResponse> Partitions(Proto.PartitionsRequest request, ServerCallContext context)
    {
        var response = new Proto.PartitionsResponse();
        response.Partitions.AddRange((await slurm.PartitionsAsync(context.CancellationToken)).Select(p => p.ToProto()));
        return response;
    }

    public override async Task<Proto.WorkloadManagerInfoResponse> WorkloadManagerInfo(Proto.WorkloadManagerInfoRequest request, ServerCallContext context)
    {
        var config = await site.GetAsync(context.CancellationToken);
        return new Proto.WorkloadManagerInfoResponse { Name = "slurm", Version = config.Version, Accounting = config.AccountingEnabled };
    }

    private static void RequireJobId(long jobId)
    {
        if (jobId <= 0)
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, "job_id must be a Slurm job id (a positive number)");
        }
    }

    private static void RequireJobIds(Google.Protobuf.Collections.RepeatedField<long> jobIds)
    {
        if (jobIds.Count == 0)
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, "job_ids is empty: give at least one Slurm job id");
        }
        foreach (var id in jobIds)
        {
            RequireJobId(id);
        }
    }
}
