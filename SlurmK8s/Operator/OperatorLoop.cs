using k8s.Models;
using Microsoft.Extensions.Logging;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.ControllerRuntime.Observability;
using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>
/// What the leader runs: informers (list + watch + cache) on SlurmJobs, companion pods and nodes feed one work queue
/// of SlurmJob keys, and the workers reconcile them from the caches. Only this loop knows about watches; the
/// controller sees keys and caches. While it runs, <c>/healthz</c> fails if a watch or the queue is stuck.
/// </summary>
internal sealed class OperatorLoop(
    OperatorSources sources,
    IKubeApi kube,
    OperatorOptions options,
    OperatorMetrics metrics,
    HealthState health,
    ILoggerFactory loggers,
    TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private ListWatch<SlurmJob>? _jobs;

    /// <summary>The SlurmJob cache, for metrics (jobs by phase); empty until the loop runs.</summary>
    public IReadOnlyList<SlurmJob> Jobs => _jobs?.Snapshot() ?? [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var queue = new WorkQueue(loggers.CreateLogger<WorkQueue>(), time: _time);
        var jobs = new ListWatch<SlurmJob>(sources.Jobs, job => queue.Add(ObjectKey.Of(job.Metadata)), loggers.CreateLogger<ListWatch<SlurmJob>>(), time: _time);
        // The controller reads the pod cache to say which SlurmJobs a companion pod's change concerns: it is told once it exists.
        var pods = new ListWatch<V1Pod>(sources.Pods, _ => { }, loggers.CreateLogger<ListWatch<V1Pod>>(), time: _time);
        // Nodes only feed the requests of pods yet to be created; the cache is read then, a change triggers nothing.
        var nodes = new ListWatch<V1Node>(sources.Nodes, _ => { }, loggers.CreateLogger<ListWatch<V1Node>>(), time: _time);
        var controller = new SlurmJobController(kube, jobs, pods, nodes, options.Companion, metrics, _time, loggers.CreateLogger<SlurmJobController>());
        pods.AddHandler(pod =>
        {
            foreach (var key in controller.Slots.Concerning(pod))
            {
                queue.Add(key);
            }
        });
        _jobs = jobs;

        var liveness = options.Liveness;
        using var live = health.AddLivenessCheck(() =>
            queue.Problem(liveness.QueueStuck) ?? jobs.Problem(liveness.WatchFailing) ?? pods.Problem(liveness.WatchFailing) ?? nodes.Problem(liveness.WatchFailing));
        metrics.ObserveWorkQueueWith(() => (queue.ReadyCount, queue.WaitingCount));
        health.SetNotReady("caches not synced");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watches = Task.WhenAll(jobs.RunAsync(stop.Token), pods.RunAsync(stop.Token), nodes.RunAsync(stop.Token));
        try
        {
            await Task.WhenAll(jobs.WaitForSyncAsync(stop.Token), pods.WaitForSyncAsync(stop.Token), nodes.WaitForSyncAsync(stop.Token)).ConfigureAwait(false);
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
            metrics.ObserveWorkQueueWith(null);
        }
    }

    /// <summary>Every resync interval, every cached SlurmJob is looked at again (from the cache: nothing is read from the server).</summary>
    private async Task ResyncAsync(ListWatch<SlurmJob> jobs, WorkQueue queue, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Resync, _time);
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
