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
/// No outage strands it: red-box away (restarted, stopped) is retried every second or two and re-attached to; the API
/// server away is retried until it answers, and the final status is written before the companion exits with its
/// outcome; what has not answered for longer than --outage-after is reported in status.companion.outage.
/// </summary>
internal sealed partial class CompanionSession(IRedBox redBox, IKubeApi kube, CompanionOptions options, Stream output, ILoggerFactory loggers,
    CompanionOutcome? outcome = null, TimeProvider? time = null) : IRedBoxRetry, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<CompanionSession>();
    private readonly Reachability _reachability = new(options.OutageAfter, time ?? TimeProvider.System);
    // Status writes come from the main flow and the job's watch: one at a time, each a change of what was written.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
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
                await WriteReportAsync(r => r with { Results = new ResultsReport { Outcome = ResultsOutcome.ResultsNotWritable, Message = problem } }, stop)
                    .ConfigureAwait(false);
                return ExitCodes.ResultsNotWritable;
            }
            // The job already runs: follow it anyway; collecting tries again at the end (perhaps fixed by then).
        }

        SubmitOutcome submitted;
        try
        {
            submitted = await UntilAnsweredAsync(() => redBox.SubmitAsync(slurmJob.Spec.Batch, _uid, stop), stop).ConfigureAwait(false);
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
            await WriteReportAsync(r => r with { SubmitFailure = new SubmitFailure { Reason = reason, Message = e.Message } }, stop).ConfigureAwait(false);
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
        await WriteStatusAsync(written => new SlurmJobStatus
        {
            Slurm = known == jobId ? written.Slurm : new SlurmJobFacts { JobId = jobId, WorkDir = submitted.WorkDir, Cluster = submitted.Cluster.Length > 0 ? submitted.Cluster : null },
            Companion = Submitted(written.Companion ?? new CompanionReport()),
        }, stop).ConfigureAwait(false);
        CompanionReport Submitted(CompanionReport report) =>
            report with { SubmitFailure = null, SubmittedGeneration = report.SubmittedGeneration ?? slurmJob.Metadata.Generation };

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
            var cancelled = await UntilAnsweredAsync(() => redBox.CancelAsync(_uid, stop), stop).ConfigureAwait(false);
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
        var backoff = Backoff.ForRedBox(options);
        while (true)
        {
            try
            {
                await foreach (var job in redBox.WatchAsync(jobId, stop).ConfigureAwait(false))
                {
                    backoff.Reset();
                    streamer?.Observe(job, stop);
                    // red-box answered from a poll of Slurm that answered: both are reachable again.
                    Answered();
                    await WriteStatusAsync(written => new SlurmJobStatus
                    {
                        Slurm = CompanionStatus.FromJob(job, written.Slurm),
                        Companion = written.Companion is { Outage: not null } report ? report with { Outage = null } : written.Companion,
                    }, stop).ConfigureAwait(false);
                    if (job.Finished)
                    {
                        return job;
                    }
                }
                LogWatchEnded(jobId);
            }
            catch (SlurmException e) when (e.Kind == SlurmErrorKind.Unavailable)
            {
                await RedBoxFailedAsync(e, stop).ConfigureAwait(false);
            }
            // The watch starts again with the job's current state, so nothing is missed across the gap.
            await backoff.DelayAsync(stop).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// True once the SlurmJob is being deleted (or is gone, or was replaced by another of the same name). The watch is
    /// made again whenever it breaks or ends, however long the API server is away; false only when the API server
    /// refuses it for good (the companion then follows the job without noticing a deletion).
    /// </summary>
    private async Task<bool> WaitForDeletionAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(options);
        while (true)
        {
            try
            {
                await foreach (var current in kube.WatchSlurmJobAsync(options.Namespace, options.SlurmJobName, cancellationToken).ConfigureAwait(false))
                {
                    backoff.Reset();
                    if (current is null || current.Metadata.Uid != _uid || current.Metadata.DeletionTimestamp is not null)
                    {
                        return true;
                    }
                }
            }
            catch (KubeApiException e) when (e.IsTransient)
            {
                LogKubeRetry(e.StatusCode, e.Message);
            }
            catch (KubeApiException e)
            {
                LogDeletionWatchRefused(e.StatusCode, e.Message);
                return false;
            }
            await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
        }
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
        var collector = new ResultCollector(redBox, this, loggers.CreateLogger<ResultCollector>());
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
        await WriteReportAsync(r => r with { Results = report }, stop).ConfigureAwait(false);
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

    public void Dispose() => _writeGate.Dispose();

    private CompanionReport Report() => _written.Companion ?? new CompanionReport();

    private Task WriteReportAsync(Func<CompanionReport, CompanionReport> change, CancellationToken stop) =>
        WriteStatusAsync(written => new SlurmJobStatus { Slurm = written.Slurm, Companion = change(written.Companion ?? new CompanionReport()) }, stop);

    /// <summary>
    /// One merge patch of the companion's own fields, as <paramref name="change"/> makes them from what the API server
    /// holds, where they differ; none when nothing does. A transient failure (no answer, 5xx, 429, a timeout) is
    /// retried with capped backoff until the patch is written or the companion is stopped: a finished job's status is
    /// never given up. A refusal (422, 403, 404…) is logged; the next write carries the fields again.
    /// </summary>
    private async Task WriteStatusAsync(Func<SlurmJobStatus, SlurmJobStatus> change, CancellationToken stop)
    {
        await _writeGate.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            var backoff = new Backoff(options);
            while (true)
            {
                var desired = change(_written);
                if (CompanionStatus.Patch(_written, desired) is not { } patch)
                {
                    return;
                }
                try
                {
                    await kube.PatchSlurmJobStatusAsync(options.Namespace, options.SlurmJobName, patch, stop).ConfigureAwait(false);
                    _written = desired;
                    return;
                }
                catch (KubeApiException e) when (e.IsTransient)
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
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Calls red-box until it answers; while it (or Slurm behind it) is unavailable, every failure is noted.</summary>
    public async Task<T> UntilAnsweredAsync<T>(Func<Task<T>> call, CancellationToken stop)
    {
        var backoff = Backoff.ForRedBox(options);
        while (true)
        {
            try
            {
                var answer = await call().ConfigureAwait(false);
                Answered();
                if (Report().Outage is not null)
                {
                    await WriteReportAsync(r => r with { Outage = null }, stop).ConfigureAwait(false);
                }
                return answer;
            }
            catch (SlurmException e) when (e.Kind == SlurmErrorKind.Unavailable)
            {
                await RedBoxFailedAsync(e, stop).ConfigureAwait(false);
            }
            await backoff.DelayAsync(stop).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A call to red-box found it, or Slurm behind it, unavailable: noted, and once that has lasted longer than
    /// --outage-after, written into status.companion.outage (what, where, since the first failed attempt).
    /// </summary>
    private async Task RedBoxFailedAsync(SlurmException e, CancellationToken stop)
    {
        var node = options.NodeName is { Length: > 0 } name ? $"node {name}" : "this pod's node";
        // One line when an outage starts, not one per retry (every second or two).
        if (e.SlurmUnreachableAt is { } at)
        {
            if (_reachability.Failed(OutageComponent.Slurmctld, at.Length > 0 ? at : $"slurmctld behind red-box on {node}", e.Message))
            {
                LogSlurmUnavailable(e.Message);
            }
        }
        else if (_reachability.Failed(OutageComponent.RedBox, $"red-box's socket {options.SocketPath} on {node}", e.Message))
        {
            LogRedBoxUnavailable(e.Message);
        }
        if (_reachability.Outage is { } outage && !IsReported(outage, Report().Outage))
        {
            LogOutage(outage.Component, outage.Where, outage.Since);
            await WriteReportAsync(r => r with { Outage = _reachability.Outage }, stop).ConfigureAwait(false);
        }
    }

    private void Answered()
    {
        if (_reachability.Answered() is { } ended)
        {
            LogAnsweredAgain(ended.Component, ended.Since);
        }
    }

    // The same outage, already in the status: its last message need not be written on every retry.
    private static bool IsReported(Outage outage, Outage? reported) =>
        reported is not null && reported.Component == outage.Component && reported.Since == outage.Since && reported.Where == outage.Where;

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

    [LoggerMessage(Level = LogLevel.Information, Message = "{Component} answers again (it had not since {Since:O})")]
    private partial void LogAnsweredAgain(OutageComponent component, DateTime since);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slurm unavailable behind red-box, retrying: {Error}")]
    private partial void LogSlurmUnavailable(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Component} has not answered since {Since:O} ({Where}): reported in status.companion.outage")]
    private partial void LogOutage(OutageComponent component, string where, DateTime since);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kubernetes API refused the watch of this SlurmJob ({Status}); its deletion will not be noticed: {Error}")]
    private partial void LogDeletionWatchRefused(int status, string error);

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
