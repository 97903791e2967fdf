using SlurmK8s.Kube;
using System.Diagnostics.CodeAnalysis;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace SlurmK8s.ControllerRuntime;

/// <summary>
/// Keeps a local copy of one kind of object true to the API server and tells the consumer which objects to look at
/// again. LIST, then WATCH from the list's resourceVersion (bookmarks advance it); when the server ends a watch,
/// watch again from the last resourceVersion; on 410 Gone list again, reporting every object again and the ones
/// that vanished as well; on other failures retry with capped exponential backoff and jitter.
/// The consumer gets the object (the last known state, for one that is gone) and never the event type: it
/// reconciles what is, level-based, reading <see cref="TryGet"/> for the present state.
/// <see cref="Problem"/> says whether it has been failing for too long (for <c>/healthz</c>). A consumer that reads this
/// cache (and so is made after it) is told of changes through <see cref="AddHandler"/>.
/// Objects are cached without metadata.managedFields (as controller-runtime's TransformStripManagedFields): nothing
/// reads them here, and they are nearly half of a pod or a SlurmJob — of the operator's memory at volume.
/// </summary>
internal sealed class ListWatch<T>(IWatchSource<T> source, Action<T> onChange, ILogger logger, ListWatchOptions? options = null, TimeProvider? time = null)
    : ICache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ListWatchOptions _options = options ?? new ListWatchOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, T> _cache = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Action<T>[] _handlers = [onChange];
    private string? _resourceVersion;
    private long _version;
    private int _lists;
    private int _watchEvents;
    private long? _failingSince;
    private long? _watchOpenedAt;
    private string? _lastError;

    /// <summary>Where the next watch starts.</summary>
    public string? ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <inheritdoc/>
    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    /// <summary>
    /// Tells this handler too of every change from now on; add it before <see cref="RunAsync"/> so it misses none. For a
    /// consumer that reads this very cache: it cannot be made before the cache, so it cannot be given to the constructor.
    /// </summary>
    public void AddHandler(Action<T> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }
    }

    /// <summary>How many LISTs succeeded: 1 after the start, one more for every relist after a 410.</summary>
    public int Lists => Volatile.Read(ref _lists);

    /// <summary>True once the first LIST is in the cache.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Why this watch is unhealthy, or null: every list and watch has failed for longer than <paramref name="threshold"/>
    /// and no watch has held since. A watch that is open and quiet is healthy (nothing changed).
    /// </summary>
    public string? Problem(TimeSpan threshold)
    {
        lock (_gate)
        {
            if (_failingSince is not { } since)
            {
                return null;
            }
            if (_watchOpenedAt is { } opened && _time.GetElapsedTime(opened) >= _options.MinHealthyWatch)
            {
                return null;
            }
            var failing = _time.GetElapsedTime(since);
            return failing > threshold ? $"list/watch of {source.Description} failing for {failing:g}: {_lastError}" : null;
        }
    }

    /// <summary>The latest state of the object with this key ("namespace/name"; see <see cref="ObjectKey"/>).</summary>
    public bool TryGet(string key, [MaybeNullWhen(false)] out T value)
    {
        lock (_gate)
        {
            return _cache.TryGetValue(key, out value);
        }
    }

    /// <summary>Every object in the cache now.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return [.. _cache.Values];
        }
    }

    /// <summary>Lists and watches until cancelled; returns (without throwing) once cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var gone = 0;
        var mustList = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            var operation = "List";
            try
            {
                if (mustList)
                {
                    await ListAsync(cancellationToken).ConfigureAwait(false);
                    mustList = false;
                }
                operation = "Watch";
                var healthy = await WatchAsync(cancellationToken).ConfigureAwait(false);
                if (healthy)
                {
                    Succeeded();
                }
                failures = healthy ? 0 : failures + 1;
                gone = _watchEvents > 0 ? 0 : gone;
                if (!healthy)
                {
                    await PauseAsync(operation, "the server ended the watch at once", failures, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // However the stream broke off, we are stopping.
                break;
            }
            catch (KubeApiException e) when (e.IsGone)
            {
                Failed(e.Message);
                // The resourceVersion is older than the server remembers: only a fresh list can tell what changed.
                logger.WatchExpired(source.Description, ResourceVersion, e.Message);
                mustList = true;
                failures = 0;
                // Gone again straight after a list: pause, so a confused server is not listed in a tight loop.
                gone = _watchEvents == 0 ? gone + 1 : 1;
                if (gone > 1)
                {
                    await PauseAsync(operation, e.Message, gone - 1, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                failures++;
                await PauseAsync(operation, e.Message, failures, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task PauseAsync(string operation, string error, int failures, CancellationToken cancellationToken)
    {
        Failed(error);
        var delay = _options.Backoff.Delay(failures, Random.Shared.NextDouble());
        logger.WatchFailed(operation, source.Description, error, delay);
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // RunAsync's loop sees the cancellation and returns.
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var list = await source.ListAsync(cancellationToken).ConfigureAwait(false);
        var changed = new List<T>(list.Items.Count);
        lock (_gate)
        {
            var listed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in list.Items)
            {
                Strip(item);
                var key = ObjectKey.Of(item.Metadata);
                listed.Add(key);
                _cache[key] = item;
                changed.Add(item);
            }
            // Deleted while no watch was looking: report them too, with their last known state.
            foreach (var key in _cache.Keys.Where(k => !listed.Contains(k)).ToList())
            {
                changed.Add(_cache[key]);
                _cache.Remove(key);
            }
            _resourceVersion = list.ResourceVersion;
            _version++;
        }
        Interlocked.Increment(ref _lists);
        Succeeded();
        logger.Listed(list.Items.Count, source.Description, list.ResourceVersion);
        foreach (var item in changed)
        {
            Notify(item);
        }
        _synced.TrySetResult();
    }

    /// <summary>One watch, until the server ends it. False when it ended at once without an event (unhealthy).</summary>
    private async Task<bool> WatchAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        _watchEvents = 0;
        lock (_gate)
        {
            _watchOpenedAt = started;
        }
        await foreach (var change in source.WatchAsync(ResourceVersion ?? "", cancellationToken).ConfigureAwait(false))
        {
            if (_watchEvents++ == 0)
            {
                Succeeded();
            }
            if (change.Type == WatchEventType.Bookmark || change.Object is null)
            {
                lock (_gate)
                {
                    _resourceVersion = change.ResourceVersion;
                }
                continue;
            }
            var key = ObjectKey.Of(change.Object.Metadata);
            Strip(change.Object);
            lock (_gate)
            {
                if (change.Type == WatchEventType.Deleted)
                {
                    _cache.Remove(key);
                }
                else
                {
                    _cache[key] = change.Object;
                }
                _resourceVersion = change.ResourceVersion;
                _version++;
            }
            Notify(change.Object);
        }
        return _watchEvents > 0 || _time.GetElapsedTime(started) >= _options.MinHealthyWatch;
    }

    private static void Strip(T item) => item.Metadata.ManagedFields = null;

    private void Failed(string error)
    {
        lock (_gate)
        {
            _failingSince ??= _time.GetTimestamp();
            _watchOpenedAt = null;
            _lastError = error;
        }
    }

    private void Succeeded()
    {
        lock (_gate)
        {
            _failingSince = null;
            _lastError = null;
        }
    }

    private void Notify(T item)
    {
        Action<T>[] handlers;
        lock (_gate)
        {
            handlers = _handlers;
        }
        foreach (var handler in handlers)
        {
            try
            {
                handler(item);
            }
            catch (Exception e)
            {
                // A consumer's bug must not stop the watch for every other object, nor keep the change from the other consumers.
                logger.ChangeHandlerFailed(e, source.Description, ObjectKey.Of(item.Metadata));
            }
        }
    }
}
