using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Kube;

/// <summary>
/// <see cref="IKubeApi"/> over a <see cref="KubeClient"/>, with our own JSON (see <see cref="KubeHttp"/>).
/// Patches are written by hand (merge patches as JSON text); a request that gets no answer fails as a
/// <see cref="KubeApiException"/> too (status 0), so callers retry it like a 503.
/// </summary>
internal sealed class KubeApi : IKubeApi
{
    /// <summary>The longest event message posted: the limit of events.k8s.io notes, so every API version takes it.</summary>
    internal const int MaxEventMessage = 1024;

    private readonly KubeClient _client;
    private readonly KubeHttp _http;
    private readonly string _reportingInstance;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <param name="client">A client from a kubeconfig or the in-cluster configuration.</param>
    /// <param name="reportingInstance">Who posts events (the pod or host name); the machine name when not given.</param>
    /// <param name="logger">Where watches log their retries.</param>
    public KubeApi(KubeClient client, string? reportingInstance = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _http = new KubeHttp(client);
        _reportingInstance = reportingInstance ?? Environment.MachineName;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public async Task<SlurmJob?> GetSlurmJobAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.GetAsync(ApiPaths.SlurmJob(namespaceName, name), ApiJsonContext.Default.SlurmJob, $"get SlurmJob {namespaceName}/{name}",
                cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public Task<SlurmJob> PatchSlurmJobStatusAsync(string namespaceName, string name, SlurmJobStatus fields, string resourceVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentException.ThrowIfNullOrEmpty(resourceVersion);
        // The context leaves nulls out: the patch names only the caller's fields, so the other writer's stay.
        // metadata.resourceVersion in the patch is a precondition, on the status subresource too: a stale one gets 409.
        return PatchStatusAsync(namespaceName, name, JsonSerializer.Serialize(fields, ApiJsonContext.Default.SlurmJobStatus), cancellationToken, resourceVersion);
    }

    public Task<SlurmJob> PatchSlurmJobStatusAsync(string namespaceName, string name, JsonObject patch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return PatchStatusAsync(namespaceName, name, patch.ToJsonString(), cancellationToken);
    }

    public async IAsyncEnumerable<SlurmJob?> WatchSlurmJobAsync(string namespaceName, string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var key = ObjectKey.Of(namespaceName, name);
        var changes = Channel.CreateUnbounded<SlurmJob?>(new UnboundedChannelOptions { SingleReader = true });
        ListWatch<SlurmJob>? watch = null;
        // The watch reports which object changed, not how: its cache says whether it is still there.
        watch = new ListWatch<SlurmJob>(WatchSources.OneSlurmJob(_client, namespaceName, name),
            _ => changes.Writer.TryWrite(watch!.TryGet(key, out var current) ? current : null), _logger);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = watch.RunAsync(stop.Token);
        try
        {
            await watch.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
            if (!watch.TryGet(key, out _))
            {
                yield return null;
                yield break;
            }
            await foreach (var current in changes.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return current;
                if (current is null)
                {
                    yield break;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(false);
        }
    }

    public Task<SlurmJob> SetSlurmJobFinalizersAsync(string namespaceName, string name, IReadOnlyList<string> finalizers, string resourceVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(finalizers);
        ArgumentException.ThrowIfNullOrEmpty(resourceVersion);
        // resourceVersion in a patch is a precondition: a stale one gets 409 Conflict instead of overwriting another's list.
        return _http.MergePatchAsync(ApiPaths.SlurmJob(namespaceName, name), FinalizersPatch(finalizers, resourceVersion), ApiJsonContext.Default.SlurmJob,
            $"set finalizers of SlurmJob {namespaceName}/{name}", cancellationToken);
    }


    public async Task<V1Pod?> GetPodAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.GetAsync(ApiPaths.Pod(namespaceName, name), ApiJsonContext.Default.V1Pod, $"get pod {namespaceName}/{name}", cancellationToken)
                .ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public async Task<CreateResult> CreatePodAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var namespaceName = pod.Metadata?.NamespaceProperty
            ?? throw new ArgumentException("pod.metadata.namespace is required: set it to the namespace to create the pod in", nameof(pod));
        try
        {
            await _http.CreateAsync(ApiPaths.Pods(namespaceName), pod, ApiJsonContext.Default.V1Pod, $"create pod {namespaceName}/{pod.Metadata.Name}", cancellationToken)
                .ConfigureAwait(false);
            return CreateResult.Created;
        }
        catch (KubeApiException e) when (e.IsAlreadyExists)
        {
            return CreateResult.AlreadyExists;
        }
    }

    public async Task<bool> DeletePodAsync(string namespaceName, string name, CancellationToken cancellationToken, string? resourceVersion = null)
    {
        var options = resourceVersion is null ? null : new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = resourceVersion } };
        try
        {
            await _http.DeleteAsync(ApiPaths.Pod(namespaceName, name), options, ApiJsonContext.Default.V1DeleteOptions, $"delete pod {namespaceName}/{name}", cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        catch (KubeApiException e) when (e.IsNotFound || (resourceVersion is not null && e.IsConflict))
        {
            return false;
        }
    }


    public Task CreateEventAsync(KubeEvent kubeEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kubeEvent);
        var body = BuildEvent(kubeEvent, _reportingInstance, _time.GetUtcNow().UtcDateTime);
        return _http.CreateAsync(ApiPaths.Events(body.Metadata.NamespaceProperty), body, ApiJsonContext.Default.Corev1Event,
            $"create event {body.Reason} for {kubeEvent.InvolvedObject.Kind} {ObjectKey.Of(kubeEvent.InvolvedObject.NamespaceProperty, kubeEvent.InvolvedObject.Name)}",
            cancellationToken);
    }

    /// <summary>A legacy-style core/v1 Event (first/last timestamp, count 1), the kind kubectl describe lists.</summary>
    internal static Corev1Event BuildEvent(KubeEvent kubeEvent, string reportingInstance, DateTime now)
    {
        var involved = kubeEvent.InvolvedObject;
        // Cluster-scoped objects (nodes) get their events in "default", as the kubelet's do.
        var namespaceName = string.IsNullOrEmpty(involved.NamespaceProperty) ? "default" : involved.NamespaceProperty;
        return new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = EventName(involved.Name, now), NamespaceProperty = namespaceName },
            InvolvedObject = involved,
            Type = kubeEvent.Type == KubeEventType.Warning ? "Warning" : "Normal",
            Reason = kubeEvent.Reason,
            Message = kubeEvent.Message.Length > MaxEventMessage ? kubeEvent.Message[..(MaxEventMessage - 3)] + "..." : kubeEvent.Message,
            Source = new V1EventSource { Component = kubeEvent.ReportingComponent, Host = reportingInstance },
            ReportingComponent = kubeEvent.ReportingComponent,
            ReportingInstance = reportingInstance,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
    }

    /// <summary>client-go's naming (object name, then the time in hex) plus a random tail, so two writers never collide.</summary>
    internal static string EventName(string objectName, DateTime now)
    {
        var nanos = (now.ToUniversalTime() - DateTime.UnixEpoch).Ticks * 100;
        var suffix = $".{nanos:x}{Random.Shared.Next(0x10000):x4}";
        const int maxName = 253;
        var head = objectName.Length + suffix.Length > maxName ? objectName[..(maxName - suffix.Length)] : objectName;
        return head + suffix;
    }

    internal static string FinalizersPatch(IReadOnlyList<string> finalizers, string resourceVersion)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteStartArray("finalizers");
            foreach (var finalizer in finalizers)
            {
                json.WriteStringValue(finalizer);
            }
            json.WriteEndArray();
            json.WriteString("resourceVersion", resourceVersion);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private Task<SlurmJob> PatchStatusAsync(string namespaceName, string name, string statusJson, CancellationToken cancellationToken, string? resourceVersion = null)
    {
        var metadata = resourceVersion is null ? "" : $"\"metadata\":{new JsonObject { ["resourceVersion"] = resourceVersion }.ToJsonString()},";
        return _http.MergePatchAsync(ApiPaths.SlurmJob(namespaceName, name) + "/status", "{" + metadata + "\"status\":" + statusJson + "}",
            ApiJsonContext.Default.SlurmJob, $"patch status of SlurmJob {namespaceName}/{name}", cancellationToken);
    }
}
