using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Companion;

namespace SlurmK8s.Tests.Fakes;

/// <summary>
/// One SlurmJob as the API server would keep it: reads return copies, status patches merge as a JSON merge patch does,
/// every change reaches watchers, events pile up. <see cref="OnPatch"/> injects API failures.
/// </summary>
internal sealed class FakeSlurmJobStore : ISlurmJobClient
{
    private readonly Lock _gate = new();
    private readonly List<Channel<SlurmJob?>> _watchers = [];
    private readonly List<JsonObject> _patches = [];
    private readonly List<CompanionEvent> _events = [];
    private SlurmJob? _object;
    private int _resourceVersion = 1;

    public FakeSlurmJobStore(SlurmJob slurmJob)
    {
        slurmJob.Metadata.Uid ??= Guid.NewGuid().ToString();
        slurmJob.Metadata.ResourceVersion = "1";
        _object = Copy(slurmJob);
    }

    /// <summary>Throw from here to fail a status patch.</summary>
    public Func<JsonObject, Exception?>? OnPatch { get; set; }

    public SlurmJob? Current
    {
        get
        {
            lock (_gate)
            {
                return _object is null ? null : Copy(_object);
            }
        }
    }

    public IReadOnlyList<JsonObject> Patches
    {
        get
        {
            lock (_gate)
            {
                return [.. _patches];
            }
        }
    }

    public IReadOnlyList<CompanionEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public Task<SlurmJob?> GetAsync(CancellationToken cancellationToken) => Task.FromResult(Current);

    public async IAsyncEnumerable<SlurmJob?> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var changes = Channel.CreateUnbounded<SlurmJob?>();
        SlurmJob? current;
        lock (_gate)
        {
            current = _object is null ? null : Copy(_object);
            _watchers.Add(changes);
        }
        try
        {
            yield return current;
            while (current is not null)
            {
                current = await changes.Reader.ReadAsync(cancellationToken);
                yield return current;
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(changes);
            }
        }
    }

    public Task PatchStatusAsync(JsonObject fields, CancellationToken cancellationToken)
    {
        if (OnPatch?.Invoke(fields) is { } failure)
        {
            throw failure;
        }
        lock (_gate)
        {
            if (_object is null)
            {
                throw new KubeApiException(404, "slurmjobs not found");
            }
            var status = JsonSerializer.SerializeToNode(_object.Status ?? new SlurmJobStatus(), ApiJsonContext.Default.SlurmJobStatus)!.AsObject();
            foreach (var (field, value) in fields)
            {
                if (value is null)
                {
                    status.Remove(field);
                }
                else
                {
                    status[field] = value.DeepClone();
                }
            }
            _object.Status = status.Deserialize(ApiJsonContext.Default.SlurmJobStatus);
            _patches.Add(fields.DeepClone().AsObject());
            Changed();
        }
        return Task.CompletedTask;
    }

    public Task PostEventAsync(CompanionEvent companionEvent, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _events.Add(companionEvent);
        }
        return Task.CompletedTask;
    }

    /// <summary>kubectl delete with a finalizer on the object: it stays, with a deletionTimestamp.</summary>
    public void MarkDeleting()
    {
        lock (_gate)
        {
            _object!.Metadata.DeletionTimestamp = DateTime.UtcNow;
            Changed();
        }
    }

    /// <summary>The object is gone (deleted with no finalizer left).</summary>
    public void Delete()
    {
        lock (_gate)
        {
            _object = null;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(null);
            }
        }
    }

    /// <summary>The operator writes its own fields (as its merge patch would).</summary>
    public void SetPhase(string phase)
    {
        lock (_gate)
        {
            _object!.Status ??= new SlurmJobStatus();
            _object.Status.Phase = phase;
            Changed();
        }
    }

    private void Changed()
    {
        _object!.Metadata.ResourceVersion = (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryWrite(Copy(_object));
        }
    }

    private static SlurmJob Copy(SlurmJob slurmJob) =>
        JsonSerializer.Deserialize(JsonSerializer.Serialize(slurmJob, ApiJsonContext.Default.SlurmJob), ApiJsonContext.Default.SlurmJob)!;
}
