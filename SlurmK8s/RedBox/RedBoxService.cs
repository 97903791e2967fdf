using System.Diagnostics;
using Grpc.Core;
using SlurmK8s.RedBox.Scoping;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.RedBox;

/// <summary>
/// The gRPC face of red-box: finds the call's scope (who the kernel says is calling, mapped to a tenant) and translates
/// between proto messages and the domain within it. A job or file outside the scope is answered as if it did not exist.
/// </summary>
internal sealed class RedBoxService(ICallScopes scopes, JobSubmitter submitter, JobStateCache cache, ISlurmClient slurm, OutputFollower files,
    FileLister lister, SlurmSite site)
    : Proto.RedBox.RedBoxBase
{
    public override async Task<Proto.SubmitJobResponse> SubmitJob(Proto.SubmitJobRequest request, ServerCallContext context)
    {
        var scope = scopes.Of(context);
        var started = Stopwatch.GetTimestamp();
        var outcome = await submitter.SubmitAsync(request.Script, request.Partition, request.IdempotencyKey, scope, context.CancellationToken);
        context.ResponseTrailers.Add(ServerTiming.Key, ServerTiming.Format("submit", Stopwatch.GetElapsedTime(started)));
        return new Proto.SubmitJobResponse
        {
            JobId = outcome.JobId, AlreadySubmitted = outcome.AlreadySubmitted, WorkDir = outcome.WorkDir,
            Cluster = (await site.GetAsync(context.CancellationToken)).ClusterName,
        };
    }

    public override async Task<Proto.CancelJobResponse> CancelJob(Proto.CancelJobRequest request, ServerCallContext context)
    {
        var scope = scopes.Of(context);
        var jobId = request.JobId;
        if (request.IdempotencyKey.Length > 0)
        {
            // Cancelling by key proves the job is this caller's: the key is looked up in the caller's own scope.
            if (!submitter.TryFind(request.IdempotencyKey, scope, out jobId))
            {
                throw new SlurmException(SlurmErrorKind.NotFound, $"no job was submitted with idempotency key {request.IdempotencyKey}");
            }
        }
        else
        {
            RequireJobId(jobId);
        }
        await RequireOwnAsync(scope, jobId, context.CancellationToken);
        // As the tenant's user: Slurm itself refuses a job that is not theirs.
        await slurm.CancelAsync(jobId, scope.User, context.CancellationToken);
        cache.Invalidate(jobId);
        return new Proto.CancelJobResponse { JobId = jobId };
    }

    public override async Task<Proto.JobInfoResponse> JobInfo(Proto.JobInfoRequest request, ServerCallContext context)
    {
        var scope = scopes.Of(context);
        RequireJobIds(request.JobIds);
        var response = new Proto.JobInfoResponse();
        foreach (var snapshot in await cache.GetAsync([.. request.JobIds], context.CancellationToken))
        {
            response.Jobs.Add(Message(await AsSeenByAsync(scope, snapshot, context)));
        }
        return response;
    }

    public override async Task WatchJobs(Proto.WatchJobsRequest request, IServerStreamWriter<Proto.Job> responseStream, ServerCallContext context)
    {
        var scope = scopes.Of(context);
        RequireJobIds(request.JobIds);
        // Another tenant's job looks like one Slurm does not know: reported once as unknown (finished), never watched.
        var current = await cache.GetAsync([.. request.JobIds], context.CancellationToken);
        List<long> own = [];
        foreach (var snapshot in current)
        {
            if (IsOwn(scope, snapshot))
            {
                own.Add(snapshot.JobId);
            }
            else
            {
                await responseStream.WriteAsync(Message(await AsSeenByAsync(scope, snapshot, context)), context.CancellationToken);
            }
        }
        if (own.Count == 0)
        {
            return;
        }
        await foreach (var snapshot in cache.WatchAsync(own, context.CancellationToken))
        {
            await responseStream.WriteAsync(Message(snapshot), context.CancellationToken);
        }
    }

    /// <summary>A job as the contract carries it, with the cluster that holds it (known once Slurm's config was read).</summary>
    private Proto.Job Message(JobSnapshot snapshot)
    {
        var message = snapshot.ToProto();
        message.Cluster = site.KnownClusterName ?? "";
        return message;
    }

    public override async Task<Proto.JobStepsResponse> JobSteps(Proto.JobStepsRequest request, ServerCallContext context)
    {
        var scope = scopes.Of(context);
        RequireJobId(request.JobId);
        if (!await site.IsAccountingEnabledAsync(context.CancellationToken))
        {
            throw new SlurmException(SlurmErrorKind.FailedPrecondition, "job steps come from Slurm accounting, which is disabled on this cluster");
        }
        await RequireOwnAsync(scope, request.JobId, context.CancellationToken);
        var response = new Proto.JobStepsResponse();
        response.Steps.AddRange((await slurm.StepsAsync(request.JobId, context.CancellationToken)).Select(s => s.ToProto()));
        return response;
    }

    public override async Task OpenFile(Proto.OpenFileRequest request, IServerStreamWriter<Proto.Chunk> responseStream, ServerCallContext context)
    {
        var roots = Roots(scopes.Of(context));
        await foreach (var chunk in OutputFollower.ReadAsync(roots, request.Path, context.CancellationToken))
        {
            await responseStream.WriteAsync(chunk.ToProto(), context.CancellationToken);
        }
    }

    public override Task<Proto.ListFilesResponse> ListFiles(Proto.ListFilesRequest request, ServerCallContext context)
    {
        var listing = lister.List(Roots(scopes.Of(context)), request.Pattern);
        var response = new Proto.ListFilesResponse { Truncated = listing.Truncated };
        response.Paths.AddRange(listing.Paths);
        return Task.FromResult(response);
    }

    public override async Task TailFile(Proto.TailFileRequest request, IServerStreamWriter<Proto.Chunk> responseStream, ServerCallContext context)
    {
        var scope = scopes.Of(context);
        if (request.Offset < 0)
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, "offset must be 0 or more");
        }
        if (request.JobId > 0)
        {
            await RequireOwnAsync(scope, request.JobId, context.CancellationToken);
        }
        await foreach (var chunk in files.FollowAsync(Roots(scope), request.Path, request.JobId, request.Offset, context.CancellationToken))
        {
            await responseStream.WriteAsync(chunk.ToProto(), context.CancellationToken);
        }
    }

    public override async Task<Proto.PartitionsResponse> Partitions(Proto.PartitionsRequest request, ServerCallContext context)
    {
        _ = scopes.Identified(context);   // open to every identified caller (resourced asks), and only to those
        var response = new Proto.PartitionsResponse();
        response.Partitions.AddRange((await slurm.PartitionsAsync(context.CancellationToken)).Select(p => p.ToProto()));
        return response;
    }

    public override Task<Proto.WhoAmIResponse> WhoAmI(Proto.WhoAmIRequest request, ServerCallContext context)
    {
        var scope = scopes.Of(context);
        var tenant = scope.Tenant;
        var response = new Proto.WhoAmIResponse
        {
            Caller = scope.Caller.Describe(), Tenant = tenant.Name, User = tenant.User.Name, Account = tenant.Account, WorkRoot = tenant.WorkRoot,
        };
        response.Partitions.AddRange(tenant.Partitions);
        response.Qos.AddRange(tenant.Qos);
        return Task.FromResult(response);
    }

    public override async Task<Proto.WorkloadManagerInfoResponse> WorkloadManagerInfo(Proto.WorkloadManagerInfoRequest request, ServerCallContext context)
    {
        _ = scopes.Identified(context);
        var config = await site.GetAsync(context.CancellationToken);
        return new Proto.WorkloadManagerInfoResponse { Name = "slurm", Version = config.Version, Accounting = config.AccountingEnabled, Cluster = config.ClusterName };
    }

    private static bool IsOwn(CallScope scope, JobSnapshot snapshot) => scope.Owns(snapshot.Job.User, snapshot.Job.Comment);

    /// <summary>The job as this caller may see it: another tenant's job is answered exactly as a job Slurm does not know.</summary>
    private async Task<JobSnapshot> AsSeenByAsync(CallScope scope, JobSnapshot snapshot, ServerCallContext context)
    {
        if (IsOwn(scope, snapshot) || snapshot.Job.State == JobState.Unknown)
        {
            return snapshot;
        }
        scopes.Refused(scope, context.Method, $"job {snapshot.JobId} is not this caller's: answered as unknown");
        return JobSnapshot.Unknown(snapshot.JobId, JobStateCache.UnknownReason(await site.IsAccountingEnabledAsync(context.CancellationToken)));
    }

    /// <summary>NOT_FOUND, worded as for a job Slurm does not know, unless the job is the caller's: another tenant's job is not revealed.</summary>
    private async Task RequireOwnAsync(CallScope scope, long jobId, CancellationToken cancellationToken)
    {
        var snapshot = (await cache.GetAsync([jobId], cancellationToken))[0];
        if (!IsOwn(scope, snapshot))
        {
            throw new SlurmException(SlurmErrorKind.NotFound, $"no job {jobId} of yours is known to Slurm");
        }
    }

    /// <summary>The files a caller may read: its tenant's work root, with its user's rights; relative paths from its job's directory.</summary>
    private static ServedRoots Roots(CallScope scope) => new(scope.BaseDirectory, [scope.Tenant.WorkRoot], scope.User);

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
