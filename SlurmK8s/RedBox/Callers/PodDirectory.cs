using k8s.Models;
using Microsoft.Extensions.Logging;
using SlurmK8s.Kube;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.RedBox.Callers;

/// <summary>
/// The pods on red-box's node, kept by a read-only LIST and WATCH (field selector spec.nodeName) and indexed by UID,
/// each already turned into its <see cref="PodIdentity"/>: a lookup is a dictionary read, never an API call.
/// </summary>
internal sealed class PodDirectory : IPodDirectory
{
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(2);

    private readonly TimeSpan _patience;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PodIdentity> _byUid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _uidByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _missedAt = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ListWatch<V1Pod> _watch;

    /// <param name="patience">How long <see cref="FindAsync"/> waits for a pod the watch has not delivered yet.</param>
    public PodDirectory(IWatchSource<V1Pod> source, string nodeName, ILogger logger, TimeSpan? patience = null, ListWatchOptions? options = null,
        TimeProvider? time = null)
    {
        NodeName = nodeName;
        _patience = patience ?? DefaultPatience;
        _time = time ?? TimeProvider.System;
        _watch = new ListWatch<V1Pod>(source, OnChange, logger, options, time);
    }

    public string NodeName { get; }

    public bool HasSynced => _watch.HasSynced;

    /// <summary>Lists and watches the node's pods until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => _watch.RunAsync(cancellationToken);

    /// <remarks>
    /// A UID that was waited for in vain is answered at once, without waiting again, until a patience has passed since:
    /// a pod red-box does not know that calls again and again (a companion retrying, or a flood of connections) costs one
    /// wait per patience, not one per connection.
    /// </remarks>
    public async Task<PodIdentity?> FindAsync(string podUid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(podUid);
        var started = _time.GetTimestamp();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_byUid.TryGetValue(podUid, out var identity))
                {
                    return identity;
                }
                if (_missedAt.TryGetValue(podUid, out var missed) && _time.GetElapsedTime(missed) < _patience)
                {
                    return null;
                }
                changed = _changed.Task;
            }
            var remaining = _patience - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                Missed(podUid);
                return null;
            }
            try
            {
                await changed.WaitAsync(remaining, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // One last look, then the loop gives up.
            }
        }
    }

    /// <summary>Remembers a UID waited for in vain; forgets those older than a patience, so the set stays small.</summary>
    private void Missed(string podUid)
    {
        lock (_gate)
        {
            foreach (var (uid, at) in _missedAt)
            {
                if (_time.GetElapsedTime(at) >= _patience)
                {
                    _missedAt.Remove(uid);
                }
            }
            _missedAt[podUid] = _time.GetTimestamp();
        }
    }

    /// <summary>Level-based: whatever the change was, index the pod as the cache now holds it.</summary>
    private void OnChange(V1Pod reported)
    {
        var key = ObjectKey.Of(reported.Metadata);
        var current = _watch.TryGet(key, out var pod) ? PodIdentity.Of(pod) : null;
        TaskCompletionSource previous;
        lock (_gate)
        {
            // Gone, or replaced by a new pod of the same name (a relist reports only the new one): forget the old UID.
            if (_uidByKey.TryGetValue(key, out var oldUid) && oldUid != current?.Uid)
            {
                _byUid.Remove(oldUid);
                _uidByKey.Remove(key);
            }
            if (current is not null)
            {
                _byUid[current.Uid] = current;
                _uidByKey[key] = current.Uid;
            }
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        previous.TrySetResult();
    }
}
