using k8s.Models;
using Microsoft.Extensions.Logging;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Cli;
using SlurmK8s.Kube;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.RedBoxClient;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.Companion;

/// <summary>
/// One companion's life: read its SlurmJob, submit it to Slurm (the SlurmJob's UID as idempotency key, so a restarted
/// companion re-attaches instead of submitting again), stream the output, keep the Slurm fields of the status true,
/// collect the results, and exit with a code that says how the job ended. It writes only its own two status fields
/// (status.slurm: what Slurm says; status.companion: what it did) and posts no events: the operator decides the phase
/// and announces it.
/// It cancels the Slurm job only when its SlurmJob is being deleted; stopped for any other reason (SIGTERM: the pod
/// deleted, evicted, drained) it leaves the job running for the next companion.
/// </summary>
internal sealed partial class CompanionSession(IRedBox redBox, IKubeApi kube, CompanionOptions options, Stream output, ILoggerFactory loggers, CompanionOutcome? outcome = null)
{
    private const int PatchAttempts = 5;

    private readonly ILogger _logger = loggers.CreateLogger<CompanionSession>();
    // What the pod's one-line termination message will say.
    private readonly CompanionOutcome _outcome = outcome ?? new CompanionOutcome();
    // What the API server holds of our two fields: patches are diffs against it.
    private SlurmJobStatus _written = new();
    private string _uid = "";

    public async Task<int> RunAsync(CancellationToken stop)
    {
        try
        {
            return await RunCoreAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            if (_written.Slurm?.JobId is { } running)
            {
                LogStopped(running);
            }
            else
            {
                LogStoppedBeforeSubmitting();
            }
            return ExitCodes.Terminated;
        }
        catch (SlurmException e)
        {
            LogRedBoxFailed(e.Kind, e.Message);
            _outcome.Failed($"red-box failed: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (KubeApiException e)
        {
            LogKubeFailed(e.StatusCode, e.Message);
            _outcome.Failed($"the Kubernetes API refused: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private async Task<int> RunCoreAsync(CancellationToken stop)
    {
        var slurmJob = await new Backoff(options).RetryAsync(() => kube.GetSlurmJobAsync(options.Namespace, options.SlurmJobName, stop),
            (KubeApiException e) => e.IsTransient, e => LogKubeRetry(e.StatusCode, e.Message), stop).ConfigureAwait(false);
        if (slurmJob is null)
        {
            LogNotFound(options.Namespace, options.SlurmJobName);
            _outcome.Failed($"SlurmJob {options.Namespace}/{options.SlurmJobName} not found");
            return ExitCodes.Failure;
        }
        _uid = slurmJob.Metadata.Uid;
        _written = new SlurmJobStatus { Slurm = slurmJob.Status?.Slurm, Companion = slurmJob.Status?.Companion };
        var known = _written.Slurm?.JobId;

        if (slurmJob.Metadata.DeletionTimestamp is not null)
        {
            if (known is not { } id)
            {
                LogDeletedBeforeSubmit(options.Namespace, options.SlurmJobName);
                return ExitCodes.JobCancelled;
            }
            return await CancelAsync(id, null, null, stop).ConfigureAwait(false);
        }

        var hostPath = slurmJob.Spec.Results?.Mount?.HostPath?.Path;
        var target = options.ResultsDir is { } resultsDir ? Path.Join(resultsDir, options.PodName) : null;
        if (target is not null && ResultsDirectory.Prepare(target, hostPath) is { } problem)
        {
            LogResultsNotWritable(problem);
            _outcome.ResultsNotCollected(problem);
            if (known is null)
            {
                // Nothing runs yet: better not to start a job whose results have nowhere to go.
                await WriteReportAsync(Report() with { Results = new ResultsReport { Outcome = ResultsOutcome.ResultsNotWritable, Message = problem } }, stop)
                    .ConfigureAwait(false);
                return ExitCodes.ResultsNotWritable;
            }
            // The job already runs: follow it anyway; collecting tries again at the end (perhaps fixed by then).
        }

        SubmitOutcome submitted;
        try
        {
            submitted = await RedBoxRetryAsync(() => redBox.SubmitAsync(slurmJob.Spec.Batch, _uid, stop), stop).ConfigureAwait(false);
        }
        catch (SlurmException e)
        {
            var reason = e.Kind switch
            {
                SlurmErrorKind.InvalidArgument => SubmitFailureReason.SubmitRefused,
                SlurmErrorKind.PermissionDenied => SubmitFailureReason.SubmitDenied,
                _ => SubmitFailureReason.SubmitFailed,
            };
            LogSubmitRefused(reason, e.Message);
            _outcome.SubmitRefused(e.Message);
            await WriteReportAsync(Report() with { SubmitFailure = new SubmitFailure { Reason = reason, Message = e.Message } }, stop).ConfigureAwait(false);
            return ExitCodes.SubmitRefused;
        }

        var jobId = submitted.JobId;
        _outcome.Submitted(jobId);
        if (known == jobId)
        {
            LogReattached(jobId);
        }
        else if (submitted.AlreadySubmitted)
        {
            LogAlreadySubmitted(jobId);
        }
        else
        {
            LogSubmitted(jobId);
        }
        await WriteStatusAsync(new SlurmJobStatus
        {
            Slurm = known == jobId ? _written.Slurm : new SlurmJobFacts { JobId = jobId, WorkDir = submitted.WorkDir, Cluster = submitted.Cluster.Length > 0 ? submitted.Cluster : null },
            Companion = Report() with { SubmitFailure = null, SubmittedGeneration = Report().SubmittedGeneration ?? slurmJob.Metadata.Generation },
        }, stop).ConfigureAwait(false);

        var streamer = new JobOutputStreamer(redBox, output, options, loggers.CreateLogger<JobOutputStreamer>());
        await using (streamer.ConfigureAwait(false))
        {
            using var stopWatchingDeletion = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var watch = FollowJobAsync(jobId, streamer, stop);
            var deletion = WaitForDeletionAsync(stopWatchingDeletion.Token);
            if (await Task.WhenAny(watch, deletion).ConfigureAwait(false) == deletion && deletion is { IsCompletedSuccessfully: true, Result: true })
            {
                return await CancelAsync(jobId, streamer, watch, stop).ConfigureAwait(false);
            }
            await stopWatchingDeletion.CancelAsync().ConfigureAwait(false);
            await ((Task)deletion).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var final = await watch.ConfigureAwait(false);
            await streamer.DrainAsync(options.DrainTimeout).ConfigureAwait(false);
            return await FinishAsync(slurmJob, final, target, hostPath, stop).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The SlurmJob is being deleted: cancel its Slurm job (by this SlurmJob's key: <paramref name="jobId"/> is what the
    /// status says, which only names the job to report on), wait until Slurm says it ended, report it.
    /// </summary>
    private async Task<int> CancelAsync(long jobId, JobOutputStreamer? streamer, Task<Proto.Job>? watch, CancellationToken stop)
    {
        LogCancelling(jobId);
        try
        {
            var cancelled = await RedBoxRetryAsync(() => redBox.CancelAsync(_uid, stop), stop).ConfigureAwait(false);
            if (cancelled != jobId)
            {
                // The status named another job than this SlurmJob's key made: follow the real one.
                watch = null;
                jobId = cancelled;
            }
        }
        catch (SlurmException e) when (e.Kind is SlurmErrorKind.NotFound or SlurmErrorKind.FailedPrecondition)
        {
            // Already over (or long gone): the watch below reports how it ended.
            LogCancelNotNeeded(jobId, e.Message);
        }
        var final = await (watch ?? FollowJobAsync(jobId, null, stop)).ConfigureAwait(false);
        _outcome.Ended(final);
        if (streamer is not null)
        {
            await streamer.DrainAsync(options.DrainTimeout).ConfigureAwait(false);
        }
        return ExitCodeFor(final);
    }

    /// <summary>Follows Slurm's view of the job until it has finished, writing every change into the status.</summary>
    private async Task<Proto.Job> FollowJobAsync(long jobId, JobOutputStreamer? streamer, CancellationToken stop)
    {
        var backoff = new Backoff(options);
        while (true)
        {
            try
            {
                await foreach (var job in redBox.WatchAsync(jobId, stop).ConfigureAwait(false))
                {
                    backoff.Reset();
                    streamer?.Observe(job, stop);
                    await WriteStatusAsync(new SlurmJobStatus { Slurm = CompanionStatus.FromJob(job, _written.Slurm), Companion = _written.Companion }, stop)
                        .ConfigureAwait(false);
                    if (job.Finished)
                    {
                        return job;
                    }
                }
                LogWatchEnded(jobId);
            }
            catch (SlurmException e) when (e.Kind == SlurmErrorKind.Unavailable)
            {
                LogRedBoxUnavailable(e.Message);
            }
            // The watch starts again with the job's current state, so nothing is missed across the gap.
            await backoff.DelayAsync(stop).ConfigureAwait(false);
        }
    }

    /// <summary>True once the SlurmJob is being deleted (or is gone, or was replaced by another of the same name).</summary>
    private async Task<bool> WaitForDeletionAsync(CancellationToken cancellationToken)
    {
        await foreach (var current in kube.WatchSlurmJobAsync(options.Namespace, options.SlurmJobName, cancellationToken).ConfigureAwait(false))
        {
            if (current is null || current.Metadata.Uid != _uid || current.Metadata.DeletionTimestamp is not null)
            {
                return true;
            }
        }
        return false;
    }

    private async Task<int> FinishAsync(SlurmJob slurmJob, Proto.Job final, string? target, string? hostPath, CancellationToken stop)
    {
        _outcome.Ended(final);
        var exitCode = ExitCodeFor(final);
        var completed = final.State == Proto.JobState.Completed;
        if (target is null)
        {
            if (slurmJob.Spec.Results is { } results && (results.From is { Length: > 0 } || results.Files is { Count: > 0 }))
            {
                LogNoResultsVolume(options.Namespace, options.SlurmJobName);
            }
            return exitCode;
        }
        var collector = new ResultCollector(redBox, options, loggers.CreateLogger<ResultCollector>());
        var outcome = await collector.CollectAsync(ResultSources.For(slurmJob.Spec.Results, final), final.WorkDir, target, hostPath, stop)
            .ConfigureAwait(false);
        ResultsReport report;
        if (outcome.NotWritable is { } problem)
        {
            LogResultsNotWritable(problem);
            _outcome.ResultsNotCollected(problem);
            report = new ResultsReport { Outcome = ResultsOutcome.ResultsNotWritable, Files = outcome.Written.Count, Message = problem };
        }
        else if (outcome.Missing.Count > 0)
        {
            // Each SlurmJob has a directory of its own: say where was looked and what this job's output is called
            // (a copied example's `from: slurm-4.out` names another job's file).
            var output = final.StdOut.Length > 0 ? $"; its output file is {Path.GetFileName(final.StdOut)}" : "";
            var message = $"result files not found in this job's directory {final.WorkDir}{output}: " + string.Join("; ", outcome.Missing);
            LogResultsMissing(message);
            _outcome.ResultsNotCollected(message);
            report = new ResultsReport { Outcome = ResultsOutcome.ResultsMissing, Files = outcome.Written.Count, Message = message };
        }
        else
        {
            LogResultsCollected(outcome.Written.Count, target);
            report = new ResultsReport { Outcome = ResultsOutcome.Collected, Files = outcome.Written.Count, Message = $"collected {outcome.Written.Count} file(s) into {target}" };
        }
        await WriteReportAsync(Report() with { Results = report }, stop).ConfigureAwait(false);
        // Slurm's words about a failed job matter more than ours about its results.
        return !completed || report.Outcome == ResultsOutcome.Collected ? exitCode
            : report.Outcome == ResultsOutcome.ResultsNotWritable ? ExitCodes.ResultsNotWritable : ExitCodes.ResultsIncomplete;
    }

    private static int ExitCodeFor(Proto.Job final) => final.State switch
    {
        Proto.JobState.Completed => ExitCodes.Success,
        Proto.JobState.Cancelled => ExitCodes.JobCancelled,
        _ => ExitCodes.JobFailed,
    };

    private CompanionReport Report() => _written.Companion ?? new CompanionReport();

    private Task WriteReportAsync(CompanionReport report, CancellationToken stop) =>
        WriteStatusAsync(new SlurmJobStatus { Slurm = _written.Slurm, Companion = report }, stop);

    /// <summary>
    /// One merge patch of the companion's own fields that differ from what the API server holds; none when nothing does.
    /// A transient failure is retried; a lasting one is logged and the next write carries the fields again.
    /// </summary>
    private async Task WriteStatusAsync(SlurmJobStatus desired, CancellationToken stop)
    {
        if (CompanionStatus.Patch(_written, desired) is not { } patch)
        {
            return;
        }
        var backoff = new Backoff(options);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await kube.PatchSlurmJobStatusAsync(options.Namespace, options.SlurmJobName, patch, stop).ConfigureAwait(false);
                _written = desired;
                return;
            }
            catch (KubeApiException e) when (e.IsTransient && attempt < PatchAttempts)
            {
                LogPatchRetry(e.StatusCode, e.Message);
                await backoff.DelayAsync(stop).ConfigureAwait(false);
            }
            catch (KubeApiException e)
            {
                // Not written: the next change's patch carries these fields again.
                LogPatchFailed(e.StatusCode, e.Message);
                return;
            }
        }
    }

    private Task<T> RedBoxRetryAsync<T>(Func<Task<T>> call, CancellationToken stop) => new Backoff(options).RetryAsync(call,
        (SlurmException e) => e.Kind == SlurmErrorKind.Unavailable, e => LogRedBoxUnavailable(e.Message), stop);

    [LoggerMessage(Level = LogLevel.Information, Message = "Submitted to Slurm as job {JobId}")]
    private partial void LogSubmitted(long jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slurm job {JobId} had already been submitted for this SlurmJob; following it")]
    private partial void LogAlreadySubmitted(long jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-attached to Slurm job {JobId}")]
    private partial void LogReattached(long jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Collected {Count} result file(s) into {Target}")]
    private partial void LogResultsCollected(int count, string target);

    [LoggerMessage(Level = LogLevel.Error, Message = "SlurmJob {Namespace}/{Name} not found: nothing to run (was it deleted, or are --namespace/--slurmjob right?)")]
    private partial void LogNotFound(string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "SlurmJob {Namespace}/{Name} is being deleted and has no Slurm job: nothing to submit or cancel")]
    private partial void LogDeletedBeforeSubmit(string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Problem}")]
    private partial void LogResultsNotWritable(string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Submission refused ({Reason}): {Error}")]
    private partial void LogSubmitRefused(SubmitFailureReason reason, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "The SlurmJob is being deleted: cancelling Slurm job {JobId}")]
    private partial void LogCancelling(long jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slurm job {JobId} needed no cancelling: {Reason}")]
    private partial void LogCancelNotNeeded(long jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The watch of Slurm job {JobId} ended before the job did; watching again")]
    private partial void LogWatchEnded(long jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "red-box unavailable, retrying: {Error}")]
    private partial void LogRedBoxUnavailable(string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "red-box failed ({Kind}): {Error}")]
    private partial void LogRedBoxFailed(SlurmErrorKind kind, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes API did not answer ({Status}), retrying: {Error}")]
    private partial void LogKubeRetry(int status, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kubernetes API refused ({Status}): {Error}")]
    private partial void LogKubeFailed(int status, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status patch failed ({Status}), retrying: {Error}")]
    private partial void LogPatchRetry(int status, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Status patch failed ({Status}); the next change carries the fields again: {Error}")]
    private partial void LogPatchFailed(int status, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private partial void LogResultsMissing(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SlurmJob {Namespace}/{Name} names result files but the companion has no --results-dir (no results.mount): they stay on the submit host")]
    private partial void LogNoResultsVolume(string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped before the job ended; Slurm job {JobId} keeps running for the next companion to re-attach")]
    private partial void LogStopped(long jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped before anything was submitted")]
    private partial void LogStoppedBeforeSubmitting();
}
