using System.Diagnostics.CodeAnalysis;

namespace SlurmK8s.ControllerRuntime;

/// <summary>
/// The read side of an informer: the latest state of every object one <see cref="ListWatch{T}"/> follows, keyed as
/// <see cref="Kube.ObjectKey"/> keys them ("namespace/name", or "name" for cluster-scoped objects). A controller reads
/// here instead of GETting from the server; what it writes carries a resourceVersion precondition or a deterministic
/// name, so acting on a cache that lags behind cannot do a thing twice.
/// </summary>
internal interface ICache<T> where T : class
{
    /// <summary>The latest state of the object with this key, if it exists.</summary>
    bool TryGet(string key, [MaybeNullWhen(false)] out T value);

    /// <summary>Every object in the cache now.</summary>
    IReadOnlyList<T> Snapshot();

    /// <summary>
    /// Grows with every change to the cache (a list, an object added, replaced or removed): what a consumer computes
    /// from a snapshot stays true while this is unchanged. Read it before the snapshot, so a change in between is seen next time.
    /// </summary>
    long Version { get; }
}
