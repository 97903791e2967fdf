using System.Diagnostics;
using k8s.Models;
using Microsoft.Extensions.Logging;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.ControllerRuntime.Observability;
using SlurmK8s.Slurm.Sbatch;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Operator;

/// <summary>
/// One reconcile pass for one SlurmJob key: get → observe → plan (<see cref="SlurmJobReconciler"/>) → execute →
/// ONE status write. Reads the SlurmJob and its pod fresh from the API server each pass, so a watch cache that
/// lags behind our own writes never makes it act twice.
/// </summary>
internal sealed partial class SlurmJobController(IKubeApi kube, CompanionPodOptions options, OperatorMetrics metrics, TimeProvider time, ILogger<SlurmJobController> logger)
{
    public const string Component = "slurmk8s-operator";

    /// <summary>Reconciles the SlurmJob "namespace/name"; returns when to look again (null: when something changes).</summary>
    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (namespaceName, name) = ObjectKey.Split(key);
        using var scope = JobScope(logger, namespaceName, name);
        try
        {
            var requeue = await ReconcileOnceAsync(namespaceName, name, cancellationToken).ConfigureAwait(false);
            metrics.RecordReconcile(requeue is null ? ReconcileResult.Success : ReconcileResult.Requeue, Stopwatch.GetElapsedTime(started));
            return requeue;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.RecordReconcile(ReconcileResult.Error, Stopwatch.GetElapsedTime(started));
            throw;   // the work queue logs it once, with the key, and retries with backoff
        }
    }

    private async Task<TimeSpan?> ReconcileOnceAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        var job = await kube.GetSlurmJobAsync(namespaceName, name, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return null;   // gone; its pod goes with it through the owner reference
        }
        var pod = await kube.GetPodAsync(namespaceName, CompanionPod.NameFor(name), cancellationToken).ConfigureAwait(false);
        var nodes = await kube.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        var plan = SlurmJobReconciler.Reconcile(new ObservedJob(job, pod, nodes.Items.ToList(), time.GetUtcNow().UtcDateTime), options);
        return await ExecuteAsync(job, plan, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TimeSpan?> ExecuteAsync(SlurmJob job, ReconcilePlan plan, CancellationToken cancellationToken)
    {
        var (namespaceName, name) = (job.Metadata.NamespaceProperty, job.Metadata.Name);
        var finalizers = job.Metadata.Finalizers?.ToList() ?? [];
        if (plan.AddFinalizer)
        {
            // Guarded by resourceVersion: a conflict re-reads and plans again (the queue retries).
            job = await kube.SetSlurmJobFinalizersAsync(namespaceName, name, [.. finalizers, SlurmJobReconciler.Finalizer], job.Metadata.ResourceVersion, cancellationToken).ConfigureAwait(false);
        }

        var status = plan.Status;
        var events = plan.Events.ToList();
        if (plan.DeletePod is { } doomed && await kube.DeletePodAsync(namespaceName, doomed, cancellationToken).ConfigureAwait(false))
        {
            LogDeletedPod(namespaceName, doomed);
        }
        if (plan.CreatePod is { } pod)
        {
            try
            {
                if (await kube.CreatePodAsync(pod, cancellationToken).ConfigureAwait(false) == CreateResult.Created)
                {
                    LogCreatedPod(namespaceName, pod.Metadata.Name);
                }
            }
            catch (KubeApiException e) when (e.StatusCode == 422)
            {
                // The API server refuses the pod (e.g. a results volume it cannot accept): this generation can never run.
                var refused = new StatusBuilder(job, time.GetUtcNow().UtcDateTime)
                    .Finish(SlurmJobPhase.Failed, "PodRefused", $"Kubernetes refused companion pod {pod.Metadata.Name}: {e.Message}")
                    .Plan();
                (status, events) = (refused.Status, [.. refused.Events]);
            }
        }

        foreach (var planned in events)
        {
            await PostEventAsync(job, planned, cancellationToken).ConfigureAwait(false);
        }
        if (status is not null)
        {
            await kube.PatchSlurmJobStatusAsync(namespaceName, name, status, cancellationToken).ConfigureAwait(false);
            LogPhase(namespaceName, name, status.Phase);
        }
        if (plan.RemoveFinalizer)
        {
            await kube.SetSlurmJobFinalizersAsync(namespaceName, name, finalizers.Where(f => f != SlurmJobReconciler.Finalizer).ToList(), job.Metadata.ResourceVersion, cancellationToken).ConfigureAwait(false);
            LogReleased(namespaceName, name);
        }
        return plan.RequeueAfter;
    }

    /// <summary>Events are for people: failing to post one is logged, never a reason to redo the pass.</summary>
    private async Task PostEventAsync(SlurmJob job, PlannedEvent planned, CancellationToken cancellationToken)
    {
        try
        {
            await kube.CreateEventAsync(planned.About(ObjectReferences.For(job), Component), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e)
        {
            LogEventFailed(job.Metadata.NamespaceProperty, job.Metadata.Name, planned.Reason, e.Message);
        }
    }

    private static readonly Func<ILogger, string, string, IDisposable?> JobScope =
        LoggerMessage.DefineScope<string, string>("SlurmJob {Namespace}/{Name}");

    [LoggerMessage(Level = LogLevel.Information, Message = "Created companion pod {Namespace}/{Pod}")]
    private partial void LogCreatedPod(string @namespace, string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted failed companion pod {Namespace}/{Pod}")]
    private partial void LogDeletedPod(string @namespace, string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "SlurmJob {Namespace}/{Name} is {Phase}")]
    private partial void LogPhase(string @namespace, string name, string? phase);

    [LoggerMessage(Level = LogLevel.Information, Message = "SlurmJob {Namespace}/{Name} released: finalizer removed")]
    private partial void LogReleased(string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not post event {Reason} on SlurmJob {Namespace}/{Name}: {Error}")]
    private partial void LogEventFailed(string @namespace, string name, string reason, string error);
}
