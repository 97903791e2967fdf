using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;

namespace SlurmK8s.Tests.Fakes;

/// <summary>
/// A stateful API server for fast unit tests of the operator and companion. Objects are kept by namespace/name
/// and handed out as copies; every write takes the next resourceVersion; status patches merge as a JSON merge
/// patch does (absent fields stay, nulls remove); the operator's status patch and finalizers are guarded by
/// resourceVersion (409 on a stale one); KubeApiContract holds it to what the real API server does;
/// a deleted SlurmJob with finalizers stays, with a deletionTimestamp, until they are gone; every change of a
/// SlurmJob reaches its watchers. No garbage collector runs, as on the test API server. The On… hooks run before
/// each write: throw from them to inject faults.
/// </summary>
internal sealed class FakeKubeApi : IKubeApi
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SlurmJob> _slurmJobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1Pod> _pods = new(StringComparer.Ordinal);
    private readonly List<KubeEvent> _events = [];
    private readonly List<JsonObject> _statusPatches = [];
    private readonly List<(string Key, Channel<SlurmJob?> Changes)> _watchers = [];
    private long _resourceVersion = 1000;

    /// <summary>Runs before every get with what is read (e.g. "get SlurmJob ns/name", "get pod ns/name").</summary>
    public Action<string>? OnRead { get; set; }
    public Action<string>? OnPatchStatus { get; set; }
    public Action<string>? OnCreatePod { get; set; }
    /// <summary>Runs as each watch of a SlurmJob starts (e.g. throw to refuse it while the API server is down).</summary>
    public Action<string>? OnWatch { get; set; }

    /// <summary>Ends every open watch with <paramref name="failure"/>, as a connection to an API server that went away ends.</summary>
    public void BreakWatches(KubeApiException failure)
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Changes.Writer.TryComplete(failure);
            }
            _watchers.Clear();
        }
    }

    /// <summary>How many status patches succeeded (the operator promises one per pass).</summary>
    public int StatusPatches => PatchedStatuses.Count;

    /// <summary>Every status patch that succeeded, as the merge patch of the status it was.</summary>
    public IReadOnlyList<JsonObject> PatchedStatuses
    {
        get
        {
            lock (_gate)
            {
                return [.. _statusPatches.Select(p => p.DeepClone().AsObject())];
            }
        }
    }

    public IReadOnlyList<KubeEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<V1Pod> Pods
    {
        get
        {
            lock (_gate)
            {
                return _pods.Values.Select(Copy).ToList();
            }
        }
    }

    public IReadOnlyList<SlurmJob> SlurmJobs
    {
        get
        {
            lock (_gate)
            {
                return _slurmJobs.Values.Select(Copy).ToList();
            }
        }
    }

    // ---- arranging the world (what kubectl or a kubelet would do)

    /// <summary>Stores a new SlurmJob as the API server would (uid, generation 1, creationTimestamp, resourceVersion).</summary>
    public SlurmJob AddSlurmJob(SlurmJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (_gate)
        {
            var stored = Copy(job);
            stored.Metadata.NamespaceProperty ??= "default";
            var key = ObjectKey.Of(stored.Metadata);
            if (_slurmJobs.ContainsKey(key))
            {
                throw new KubeApiException(409, "AlreadyExists", $"slurmjobs.slurm.sylabs.io \"{stored.Metadata.Name}\" already exists");
            }
            stored.Metadata.Uid ??= Guid.NewGuid().ToString();
            stored.Metadata.Generation = 1;
            stored.Metadata.CreationTimestamp ??= DateTime.UtcNow;
            stored.Metadata.ResourceVersion = NextVersion();
            _slurmJobs[key] = stored;
            Changed(key);
            return Copy(stored);
        }
    }

    /// <summary>A user deletes the SlurmJob: gone at once without finalizers, else marked with a deletionTimestamp.</summary>
    public void DeleteSlurmJob(string namespaceName, string name)
    {
        lock (_gate)
        {
            var key = ObjectKey.Of(namespaceName, name);
            var stored = _slurmJobs.GetValueOrDefault(key) ?? throw NotFound("slurmjobs.slurm.sylabs.io", name);
            if (stored.Metadata.Finalizers is not { Count: > 0 })
            {
                _slurmJobs.Remove(key);
                Changed(key);
                return;
            }
            stored.Metadata.DeletionTimestamp ??= DateTime.UtcNow;
            stored.Metadata.ResourceVersion = NextVersion();
            Changed(key);
        }
    }

    /// <summary>The scheduler binds the pod to a node.</summary>
    /// <summary>What the kubelet writes when the pod's container ends (or starts).</summary>
    public void SetPodPhase(string namespaceName, string name, string phase)
    {
        lock (_gate)
        {
            var stored = _pods[ObjectKey.Of(namespaceName, name)];
            stored.Status ??= new V1PodStatus();
            stored.Status.Phase = phase;
            stored.Metadata.ResourceVersion = NextVersion();
        }
    }

    public void PlacePod(string namespaceName, string name, string node)
    {
        lock (_gate)
        {
            var stored = _pods[ObjectKey.Of(namespaceName, name)];
            stored.Spec.NodeName = node;
            stored.Metadata.ResourceVersion = NextVersion();
        }
    }

    /// <summary>The stored SlurmJob (a copy), or null.</summary>
    public SlurmJob? StoredSlurmJob(string namespaceName, string name)
    {
        lock (_gate)
        {
            return _slurmJobs.TryGetValue(ObjectKey.Of(namespaceName, name), out var stored) ? Copy(stored) : null;
        }
    }

    /// <summary>The stored pod (a copy), or null.</summary>
    public V1Pod? StoredPod(string namespaceName, string name)
    {
        lock (_gate)
        {
            return _pods.TryGetValue(ObjectKey.Of(namespaceName, name), out var stored) ? Copy(stored) : null;
        }
    }

    /// <summary>What the companion would write: the status fields set, merged unconditionally (no resourceVersion precondition).</summary>
    public Task<SlurmJob> PatchSlurmJobStatusAsync(string namespaceName, string name, SlurmJobStatus fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return PatchStatusAsync(namespaceName, name, JsonSerializer.SerializeToNode(fields, ApiJsonContext.Default.SlurmJobStatus)!.AsObject(), null);
    }

    // ---- IKubeApi

    public Task<SlurmJob?> GetSlurmJobAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        OnRead?.Invoke($"get SlurmJob {ObjectKey.Of(namespaceName, name)}");
        return Task.FromResult(StoredSlurmJob(namespaceName, name));
    }

    public Task<SlurmJob> PatchSlurmJobStatusAsync(string namespaceName, string name, SlurmJobStatus fields, string resourceVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentException.ThrowIfNullOrEmpty(resourceVersion);
        // As KubeApi sends it: null fields left out.
        return PatchStatusAsync(namespaceName, name, JsonSerializer.SerializeToNode(fields, ApiJsonContext.Default.SlurmJobStatus)!.AsObject(), resourceVersion);
    }

    public Task<SlurmJob> PatchSlurmJobStatusAsync(string namespaceName, string name, JsonObject patch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return PatchStatusAsync(namespaceName, name, patch, null);
    }

    private Task<SlurmJob> PatchStatusAsync(string namespaceName, string name, JsonObject patch, string? resourceVersion)
    {
        var key = ObjectKey.Of(namespaceName, name);
        OnPatchStatus?.Invoke(key);
        lock (_gate)
        {
            // As the API server words it, after KubeApi's "what was asked".
            var stored = _slurmJobs.GetValueOrDefault(key) ?? throw NotFound("slurmjobs.slurm.sylabs.io", name, $"patch status of SlurmJob {key}");
            if (resourceVersion is not null && stored.Metadata.ResourceVersion != resourceVersion)
            {
                throw Conflict($"patch status of SlurmJob {key}", name);
            }
            stored.Status = MergeStatus(stored.Status, patch);
            stored.Metadata.ResourceVersion = NextVersion();
            _statusPatches.Add(patch.DeepClone().AsObject());
            Changed(key);
            return Task.FromResult(Copy(stored));
        }
    }

    public async IAsyncEnumerable<SlurmJob?> WatchSlurmJobAsync(string namespaceName, string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var key = ObjectKey.Of(namespaceName, name);
        OnWatch?.Invoke($"watch SlurmJob {key}");
        (string Key, Channel<SlurmJob?> Changes) watcher = (key, Channel.CreateUnbounded<SlurmJob?>());
        SlurmJob? current;
        lock (_gate)
        {
            current = _slurmJobs.TryGetValue(key, out var stored) ? Copy(stored) : null;
            _watchers.Add(watcher);
        }
        try
        {
            yield return current;
            while (current is not null)
            {
                try
                {
                    current = await watcher.Changes.Reader.ReadAsync(cancellationToken);
                }
                catch (ChannelClosedException e) when (e.InnerException is KubeApiException failure)
                {
                    throw new KubeApiException(failure.StatusCode, failure.Reason, failure.Message);
                }
                yield return current;
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    public Task<SlurmJob> SetSlurmJobFinalizersAsync(string namespaceName, string name, IReadOnlyList<string> finalizers, string resourceVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(finalizers);
        var key = ObjectKey.Of(namespaceName, name);
        lock (_gate)
        {
            var stored = _slurmJobs.GetValueOrDefault(key) ?? throw NotFound("slurmjobs.slurm.sylabs.io", name);
            if (stored.Metadata.ResourceVersion != resourceVersion)
            {
                throw Conflict($"set finalizers of SlurmJob {key}", name);
            }
            var before = stored.Metadata.Finalizers ?? [];
            if (stored.Metadata.DeletionTimestamp is not null && finalizers.Except(before).Any())
            {
                throw new KubeApiException(422, "Invalid", $"set finalizers of SlurmJob {key}: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted (HTTP 422)");
            }
            stored.Metadata.Finalizers = finalizers.Count == 0 ? null : [.. finalizers];
            stored.Metadata.ResourceVersion = NextVersion();
            var result = Copy(stored);
            if (stored.Metadata.DeletionTimestamp is not null && finalizers.Count == 0)
            {
                _slurmJobs.Remove(key);
            }
            Changed(key);
            return Task.FromResult(result);
        }
    }

    public Task<V1Pod?> GetPodAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        OnRead?.Invoke($"get pod {ObjectKey.Of(namespaceName, name)}");
        return Task.FromResult(StoredPod(namespaceName, name));
    }

    public Task<CreateResult> CreatePodAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var namespaceName = pod.Metadata?.NamespaceProperty ?? throw new ArgumentException("pod.metadata.namespace is required", nameof(pod));
        var key = ObjectKey.Of(namespaceName, pod.Metadata.Name);
        OnCreatePod?.Invoke(key);
        lock (_gate)
        {
            if (_pods.ContainsKey(key))
            {
                return Task.FromResult(CreateResult.AlreadyExists);
            }
            var stored = Copy(pod);
            stored.Metadata.Uid = Guid.NewGuid().ToString();
            stored.Metadata.CreationTimestamp = DateTime.UtcNow;
            stored.Metadata.ResourceVersion = NextVersion();
            stored.Status ??= new V1PodStatus { Phase = "Pending" };
            _pods[key] = stored;
            return Task.FromResult(CreateResult.Created);
        }
    }

    public Task<bool> DeletePodAsync(string namespaceName, string name, CancellationToken cancellationToken, string? resourceVersion = null)
    {
        var key = ObjectKey.Of(namespaceName, name);
        lock (_gate)
        {
            if (resourceVersion is not null && _pods.TryGetValue(key, out var stored) && stored.Metadata.ResourceVersion != resourceVersion)
            {
                return Task.FromResult(false);
            }
            return Task.FromResult(_pods.Remove(key));
        }
    }


    public Task CreateEventAsync(KubeEvent kubeEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kubeEvent);
        lock (_gate)
        {
            _events.Add(kubeEvent);
        }
        return Task.CompletedTask;
    }

    // ---- helpers

    public static KubeApiException NotFound(string resource, string name, string? what = null) =>
        new(404, "NotFound", (what is null ? "" : what + ": ") + $"{resource} \"{name}\" not found (HTTP 404)");

    /// <summary>What the API server says to a write that carried a stale resourceVersion.</summary>
    public static KubeApiException Conflict(string what, string name) =>
        new(409, "Conflict", $"{what}: Operation cannot be fulfilled on slurmjobs.slurm.sylabs.io \"{name}\": the object has been modified; please apply your changes to the latest version and try again (HTTP 409)");

    /// <summary>What the API server says when it cannot answer now (e.g. etcd is down).</summary>
    public static KubeApiException Unavailable(string what) =>
        new(503, "ServiceUnavailable", $"{what}: the server is currently unable to handle the request (HTTP 503)");

    /// <summary>RFC 7386 on the JSON forms: fields absent from the patch stay; a null removes one; objects merge; everything else is replaced.</summary>
    internal static SlurmJobStatus MergeStatus(SlurmJobStatus? current, JsonObject patch)
    {
        var target = current is null ? new JsonObject() : JsonSerializer.SerializeToNode(current, ApiJsonContext.Default.SlurmJobStatus)!.AsObject();
        Merge(target, patch);
        return target.Deserialize(ApiJsonContext.Default.SlurmJobStatus)!;
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject child && target[name] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }

    /// <summary>Tells the SlurmJob's watchers what it is now (null: gone). Called with the gate held.</summary>
    private void Changed(string key)
    {
        var current = _slurmJobs.TryGetValue(key, out var stored) ? stored : null;
        foreach (var watcher in _watchers.Where(w => w.Key == key))
        {
            watcher.Changes.Writer.TryWrite(current is null ? null : Copy(current));
        }
    }

    private string NextVersion() => (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static SlurmJob Copy(SlurmJob job) => JsonSerializer.SerializeToElement(job, ApiJsonContext.Default.SlurmJob).Deserialize(ApiJsonContext.Default.SlurmJob)!;

    private static V1Pod Copy(V1Pod pod) => JsonSerializer.SerializeToElement(pod, ApiJsonContext.Default.V1Pod).Deserialize(ApiJsonContext.Default.V1Pod)!;

}
