using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.ControllerRuntime.Observability;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Operator;

/// <summary>
/// What the leader runs: watches on SlurmJobs and on companion pods feed one work queue of SlurmJob keys, and the
/// workers reconcile them. Only this loop knows about watches; the controller sees keys.
/// </summary>
internal sealed class OperatorLoop(Kubernetes client, SlurmJobController controller, OperatorOptions options, HealthState health, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger<OperatorLoop>();

    /// <summary>The SlurmJob cache, for metrics (jobs by phase); empty until the loop runs.</summary>
    public IReadOnlyList<SlurmJob> Jobs => _jobs?.Snapshot() ?? [];

    private ListWatch<SlurmJob>? _jobs;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var queue = new WorkQueue(loggers.CreateLogger<WorkQueue>());
        var jobs = new ListWatch<SlurmJob>(WatchSources.SlurmJobs(client, options.Namespace), job => queue.Add(ObjectKey.Of(job.Metadata)), loggers.CreateLogger<ListWatch<SlurmJob>>());
        // A companion pod's change is its SlurmJob's business: the label names the job.
        var pods = new ListWatch<V1Pod>(WatchSources.Pods(client, CompanionPod.JobLabel, options.Namespace), pod =>
        {
            if (pod.Metadata.Labels?.TryGetValue(CompanionPod.JobLabel, out var job) == true)
            {
                queue.Add(ObjectKey.Of(pod.Metadata.NamespaceProperty, job));
            }
        }, loggers.CreateLogger<ListWatch<V1Pod>>());
        _jobs = jobs;

        health.SetNotReady("caches not synced");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watches = Task.WhenAll(jobs.RunAsync(stop.Token), pods.RunAsync(stop.Token));
        try
        {
            await Task.WhenAll(jobs.WaitForSyncAsync(stop.Token), pods.WaitForSyncAsync(stop.Token)).ConfigureAwait(false);
            health.SetReady();
            var resync = ResyncAsync(jobs, queue, stop.Token);
            await queue.RunAsync(options.Workers, controller.ReconcileAsync, stop.Token).ConfigureAwait(false);
            await resync.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Leadership ended or the process is stopping.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await watches.ConfigureAwait(false);
        }
    }

    private async Task ResyncAsync(ListWatch<SlurmJob> jobs, WorkQueue queue, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Resync);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var job in jobs.Snapshot())
                {
                    queue.Add(ObjectKey.Of(job.Metadata));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
