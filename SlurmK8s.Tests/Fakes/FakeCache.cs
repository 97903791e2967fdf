using System.Diagnostics.CodeAnalysis;
using k8s;
using k8s.Models;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;

namespace SlurmK8s.Tests.Fakes;

/// <summary>An informer cache the test fills by hand: as fresh, or as stale, as the case needs.</summary>
internal sealed class FakeCache<T> : ICache<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Replaces everything in the cache with these objects.</summary>
    public void Set(params IEnumerable<T?> items)
    {
        lock (_gate)
        {
            _items.Clear();
            foreach (var item in items.OfType<T>())
            {
                _items[ObjectKey.Of(item.Metadata)] = item;
            }
            _version++;
        }
    }

    public bool TryGet(string key, [MaybeNullWhen(false)] out T value)
    {
        lock (_gate)
        {
            return _items.TryGetValue(key, out value);
        }
    }

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

    /// <summary>How many times the whole cache was copied out (<see cref="Snapshot"/>): what a hot path must not do.</summary>
    public int Snapshots { get; private set; }

    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            Snapshots++;
            return [.. _items.Values];
        }
    }
}
