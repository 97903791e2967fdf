using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s.Models;
using Microsoft.Extensions.Logging;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>
/// One reconcile pass for one SlurmJob key: observe (from the informer caches) → plan (<see cref="SlurmJobReconciler"/>)
/// → execute → ONE status write → the plan's events. Reads nothing from the server but a pod whose name turned out to be
/// taken. A cache that lags behind cannot make it act twice: the pod's name is deterministic (a second create is
/// AlreadyExists) and the status write carries the resourceVersion it was planned from (a stale pass gets 409
/// Conflict, posts no event and looks again once the cache has caught up). Nor does it try: what its own writes made the
/// caches behind on (<see cref="CacheExpectations"/>) holds the key's next pass until the watches have caught up, so at
/// volume a job costs no lost writes, no second create and no read of its pod.
/// </summary>
internal sealed partial class SlurmJobController(
    IKubeApi kube,
    ICache<SlurmJob> jobs,
    ICache<V1Pod> pods,
    ICache<V1Node> nodes,
    CompanionPodOptions options,
    OperatorMetrics metrics,
    TimeProvider time,
    ILogger<SlurmJobController> logger)
{
    public const string Component = "slurmk8s-operator";

    /// <summary>The Scheduled condition's reason when the namespace lacks the companion's service account.</summary>
    internal const string ServiceAccountMissing = "ServiceAccountMissing";

    /// <summary>The Scheduled condition's reason when a rule of the namespace or the cluster forbids the companion pod (quota, LimitRange, Pod Security, RBAC).</summary>
    internal const string PodForbidden = "PodForbidden";

    /// <summary>After a write lost to a newer version: soon, but not as a failure (the watch brings the newer version).</summary>
    internal static readonly TimeSpan ConflictRequeue = TimeSpan.FromSeconds(1);

    /// <summary>How often a job whose namespace lacks the companion's service account, or forbids its pod, looks again.</summary>
    internal static readonly TimeSpan ForbiddenPodRecheck = TimeSpan.FromSeconds(30);

    /// <summary>How long a pass waits for the watches to show its own writes before it plans from the caches as they are.</summary>
    internal static readonly TimeSpan CachePatience = TimeSpan.FromSeconds(30);

    private readonly EventRecorder _events = new(kube, Component, logger);
    private readonly CacheExpectations _expected = new(CachePatience, time);
    /// <summary>Who gets the next slot in a node's budget; it also says which jobs a companion pod's change concerns.</summary>
    public SlotQueue Slots { get; } = new(jobs, pods);

    /// <summary>Reconciles the SlurmJob "namespace/name"; returns when to look again (null: when something changes).</summary>
    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (namespaceName, name) = ObjectKey.Split(key);
        using var scope = JobScope(logger, namespaceName, name);
        try
        {
            var requeue = await ReconcileOnceAsync(key, cancellationToken).ConfigureAwait(false);
            metrics.RecordReconcile(requeue is null ? ReconcileResult.Success : ReconcileResult.Requeue, Stopwatch.GetElapsedTime(started));
            return requeue;
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            // Planned from a version the cache had not yet replaced: nothing was announced; plan again from the newer one.
            LogConflict(namespaceName, name, e.Message);
            metrics.RecordReconcile(ReconcileResult.Requeue, Stopwatch.GetElapsedTime(started));
            return ConflictRequeue;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.RecordReconcile(ReconcileResult.Error, Stopwatch.GetElapsedTime(started));
            throw;   // the work queue logs it once, with the key, and retries with backoff
        }
    }

    private async Task<TimeSpan?> ReconcileOnceAsync(string key, CancellationToken cancellationToken)
    {
        if (!jobs.TryGet(key, out var job))
        {
            _expected.Forget(key);
            Slots.Forget(key);
            return null;   // gone; its pod goes with it through the owner reference
        }
        var podKey = ObjectKey.Of(job.Metadata.NamespaceProperty, CompanionPod.NameFor(job.Metadata.Name));
        if (_expected.Wait(key, job.Metadata.ResourceVersion, k => pods.TryGet(k, out _)) is { } wait)
        {
            // Our last pass's writes are not in the caches yet: their watch events bring this key back.
            LogCacheBehind(job.Metadata.NamespaceProperty, job.Metadata.Name);
            return wait;
        }
        var nodesVersion = nodes.Version;   // before the snapshot, as every version is read
        var nodesNow = nodes.Snapshot();
        var observed = new ObservedJob(job, pods.TryGet(podKey, out var pod) ? pod : null, nodesNow, Slots.DemandOf(key, job, nodesNow, nodesVersion), time.GetUtcNow().UtcDateTime);
        observed = Slots.PlaceInLine(key, observed, nodesVersion);
        return await ExecuteAsync(observed, SlurmJobReconciler.Reconcile(observed, options), cancellationToken).ConfigureAwait(false);
    }

    private async Task<TimeSpan?> ExecuteAsync(ObservedJob observed, ReconcilePlan plan, CancellationToken cancellationToken)
    {
        var job = observed.Job;
        var (namespaceName, name) = (job.Metadata.NamespaceProperty, job.Metadata.Name);
        var key = ObjectKey.Of(namespaceName, name);
        var finalizers = job.Metadata.Finalizers?.ToList() ?? [];
        if (plan.AddFinalizer)
        {
            // Guarded by resourceVersion, as every write of the SlurmJob is.
            var replaced = job.Metadata.ResourceVersion;
            job = await kube.SetSlurmJobFinalizersAsync(namespaceName, name, [.. finalizers, SlurmJobReconciler.Finalizer], replaced, cancellationToken).ConfigureAwait(false);
            _expected.Replaced(key, replaced);
        }

        foreach (var evicted in plan.EvictPods)
        {
            // Only as it was read: a pod placed since then may already run its companion, and is left alone.
            if (await kube.DeletePodAsync(evicted.Namespace, evicted.Name, cancellationToken, evicted.ResourceVersion).ConfigureAwait(false))
            {
                LogEvictedNewcomer(evicted.Namespace, evicted.Name, namespaceName, name);
                _expected.Deleted(ObjectKey.Of(evicted.Namespace, evicted.SlurmJob), ObjectKey.Of(evicted.Namespace, evicted.Name));
            }
        }
        if (plan.DeletePod is { } doomed)
        {
            if (await kube.DeletePodAsync(namespaceName, doomed, cancellationToken).ConfigureAwait(false))
            {
                LogDeletedPod(namespaceName, doomed);
            }
            _expected.Deleted(key, ObjectKey.Of(namespaceName, doomed));
        }
        if (plan.CreatePod is null)
        {
            GiveBackRoom(observed);   // given room, it planned no pod (a script that cannot run, say)
        }
        if (plan.CreatePod is { } pod)
        {
            var (created, instead) = await CreatePodAsync(observed, job, pod, cancellationToken).ConfigureAwait(false);
            if (instead is not null)
            {
                plan = plan with { Status = instead.Status, Events = instead.Events, RequeueAfter = instead.RequeueAfter ?? plan.RequeueAfter };
            }
            else if (created)
            {
                _expected.Created(key, ObjectKey.Of(namespaceName, pod.Metadata.Name));
                LogCreatedPod(namespaceName, pod.Metadata.Name);
            }
        }

        if (plan.Status is { } status)
        {
            var replaced = job.Metadata.ResourceVersion;
            job = await kube.PatchSlurmJobStatusAsync(namespaceName, name, status, replaced, cancellationToken).ConfigureAwait(false);
            _expected.Replaced(key, replaced);
            LogPhase(namespaceName, name, status.Phase);
        }
        // Only now that the status they describe is written: a pass that lost the write announces nothing.
        await _events.RecordAsync(ObjectReferences.For(job), plan.Events, cancellationToken).ConfigureAwait(false);
        if (plan.RemoveFinalizer)
        {
            await kube.SetSlurmJobFinalizersAsync(namespaceName, name, finalizers.Where(f => f != SlurmJobReconciler.Finalizer).ToList(), job.Metadata.ResourceVersion, cancellationToken).ConfigureAwait(false);
            _expected.Replaced(key, job.Metadata.ResourceVersion);
            LogReleased(namespaceName, name);
        }
        return plan.RequeueAfter;
    }

    /// <summary>Creates the companion pod: (true, null) when created; a plan to carry out instead when the pod cannot be, or its name is taken.</summary>
    private async Task<(bool Created, ReconcilePlan? Instead)> CreatePodAsync(ObservedJob observed, SlurmJob job, V1Pod pod, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            var result = await CreateWithPriorityAsync(pod, job, cancellationToken).ConfigureAwait(false);
            if (result == CreateResult.Created)
            {
                Slots.Made(pod, now);
                return (true, null);
            }
            // Taken, yet not in the cache: the cache lags behind, or the pod lacks our label (not ours). Look once.
            var present = await kube.GetPodAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, cancellationToken).ConfigureAwait(false);
            return (false, present is null ? null : SlurmJobReconciler.Reconcile(observed with { Job = job, Pod = present, Now = now }, options) with { CreatePod = null });
        }
        catch (KubeApiException e) when (e.StatusCode == 422)
        {
            GiveBackRoom(observed);
            // The API server refuses the pod (e.g. a results volume it cannot accept): this generation can never run.
            return (false, new StatusBuilder(job, now)
                .Finish(SlurmJobPhase.Failed, "PodRefused", $"Kubernetes refused companion pod {pod.Metadata.Name}: {e.Message}")
                .Plan());
        }
        catch (KubeApiException e) when (IsServiceAccountMissing(e))
        {
            // Not the job's fault, and fixed in a minute by whoever runs the namespace: say what is missing and how to add it.
            var account = pod.Spec.ServiceAccountName ?? "default";
            var ns = pod.Metadata.NamespaceProperty;
            LogServiceAccountMissing(ns, account, job.Metadata.Name);
            return (false, Forbidden(observed, job, now, ServiceAccountMissing,
                $"serviceaccount/{account} does not exist in namespace {ns}, so companion pod {pod.Metadata.Name} cannot be created: "
                + $"kubectl apply -n {ns} -f manifests/companion-rbac.yaml"));
        }
        catch (KubeApiException e) when (e.StatusCode == 403)
        {
            // A rule of the namespace or the cluster (quota, LimitRange, Pod Security, RBAC) that may change: another pod
            // ends under the quota, an administrator raises it. Say which rule where the user looks.
            var ns = pod.Metadata.NamespaceProperty;
            LogPodForbidden(ns, pod.Metadata.Name, e.Message);
            return (false, Forbidden(observed, job, now, PodForbidden,
                $"Kubernetes forbids companion pod {pod.Metadata.Name} in namespace {ns}: {ForbiddenBecause(e)}; "
                + $"it asks for {options.Resources.Describe()}, and is tried again every {ForbiddenPodRecheck.TotalSeconds:0} s"));
        }
    }

    /// <summary>
    /// A pod forbidden for a reason outside the job: it gives back the room it was given, stays Pending with
    /// Scheduled=False saying why, and is tried again after <see cref="ForbiddenPodRecheck"/>.
    /// </summary>
    private ReconcilePlan Forbidden(ObservedJob observed, SlurmJob job, DateTime now, string reason, string message)
    {
        GiveBackRoom(observed);
        return new StatusBuilder(job, now)
            .Phase(SlurmJobPhase.Pending)
            .Condition(JobConditions.Scheduled, "False", reason, message)
            .Plan() with { RequeueAfter = ForbiddenPodRecheck };
    }

    /// <summary>
    /// The rule's own words from a 403 (the API server's message after "is forbidden: "), without what the quota has in
    /// use, which changes from one try to the next: the condition, and its one Warning, change only when the refusal does.
    /// </summary>
    internal static string ForbiddenBecause(KubeApiException e)
    {
        var text = e.ServerMessage ?? e.Message;
        const string Forbidden = "is forbidden: ";
        var at = text.IndexOf(Forbidden, StringComparison.Ordinal);
        return QuotaInUse().Replace(at >= 0 ? text[(at + Forbidden.Length)..] : text, "");
    }

    /// <summary>A newcomer whose pod Kubernetes refused gives back the room it was given.</summary>
    private void GiveBackRoom(ObservedJob observed)
    {
        if (observed.GivenRoom)
        {
            Slots.GiveBack(observed.Job);
        }
    }

    /// <summary>
    /// Creates the pod; when its PriorityClass does not exist (manifests/priorityclass.yaml not applied), creates it without
    /// one and says what that costs: a re-attaching companion is better placed late than not at all.
    /// </summary>
    private async Task<CreateResult> CreateWithPriorityAsync(V1Pod pod, SlurmJob job, CancellationToken cancellationToken)
    {
        try
        {
            return await kube.CreatePodAsync(pod, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (pod.Spec.PriorityClassName is { } missing && IsPriorityClassMissing(e))
        {
            LogPriorityClassMissing(missing);
            await _events.RecordAsync(ObjectReferences.For(job), [PlannedEvent.Warning("PriorityClassMissing",
                $"PriorityClass {missing} does not exist, so companion pod {pod.Metadata.Name} was created without it and a new job may take the slot "
                + $"its Slurm job already uses: kubectl apply -f manifests/priorityclass.yaml (or run the operator with --reattach-priority-class=none)")], cancellationToken).ConfigureAwait(false);
            pod.Spec.PriorityClassName = null;
            return await kube.CreatePodAsync(pod, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The Priority admission plugin's answer (403 "no PriorityClass with name … was found").</summary>
    internal static bool IsPriorityClassMissing(KubeApiException e) =>
        e.StatusCode == 403 && e.Message.Contains("no PriorityClass with name", StringComparison.Ordinal);

    /// <summary>The ServiceAccount admission plugin's answer (403 "error looking up service account ns/sa: … not found").</summary>
    internal static bool IsServiceAccountMissing(KubeApiException e) =>
        e.StatusCode == 403 && e.Message.Contains("error looking up service account", StringComparison.Ordinal);

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

    [LoggerMessage(Level = LogLevel.Debug, Message = "SlurmJob {Namespace}/{Name} changed meanwhile ({Error}); planning again from the newer version")]
    private partial void LogConflict(string @namespace, string name, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SlurmJob {Namespace}/{Name}: the caches do not show this operator's last writes yet; waiting for the watches")]
    private partial void LogCacheBehind(string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PriorityClass {PriorityClass} does not exist: a re-attaching companion pod is created without it (kubectl apply -f manifests/priorityclass.yaml)")]
    private partial void LogPriorityClassMissing(string priorityClass);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted unplaced companion pod {PodNamespace}/{Pod} of a job not yet submitted: SlurmJob {Namespace}/{Name}, already in Slurm, re-attaches first")]
    private partial void LogEvictedNewcomer(string podNamespace, string pod, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes forbids companion pod {Namespace}/{Pod}: {Error}")]
    private partial void LogPodForbidden(string @namespace, string pod, string error);

    // ResourceQuota's ", used: pods=2,requests.memory=64Mi" (its lists have no spaces).
    [GeneratedRegex(@", used: [^ ]*?(?=, |$)")]
    private static partial Regex QuotaInUse();

    [LoggerMessage(Level = LogLevel.Warning, Message = "No serviceaccount/{Account} in namespace {Namespace}: the companion pod of SlurmJob {Name} cannot be created")]
    private partial void LogServiceAccountMissing(string @namespace, string account, string name);
}
