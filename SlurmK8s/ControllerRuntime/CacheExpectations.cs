namespace SlurmK8s.ControllerRuntime;

/// <summary>
/// What a controller's own writes have made its caches behind on, per work-queue key, until the caches catch up (as
/// client-go's ControllerExpectations): the resourceVersions its writes replaced, and the objects it created or deleted
/// that the cache does not show so yet. A pass planned from such a cache could only lose its write to a 409 Conflict or
/// find its pod's name taken, so it waits instead: the watch event that brings the cache up to date brings the key back.
/// Forgotten <paramref name="patience"/> after the key's last write, so an expectation the watch never meets (a relist that missed a
/// short-lived object) delays a key, never strands it; the writes stay guarded either way.
/// </summary>
internal sealed class CacheExpectations(TimeSpan patience, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Expected> _byKey = new(StringComparer.Ordinal);

    /// <summary>Keys with something expected (for tests and metrics).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byKey.Count;
            }
        }
    }

    /// <summary>A write of ours replaced this version of the key's object: a cache still showing it is behind.</summary>
    public void Replaced(string key, string? resourceVersion)
    {
        if (resourceVersion is not null)
        {
            lock (_gate)
            {
                For(key).StaleVersions.Add(resourceVersion);
            }
        }
    }

    /// <summary>We created <paramref name="objectKey"/> for the key: a cache that lacks it is behind.</summary>
    public void Created(string key, string objectKey)
    {
        lock (_gate)
        {
            For(key).Created.Add(objectKey);
        }
    }

    /// <summary>We deleted <paramref name="objectKey"/> for the key: a cache that still has it is behind (and one that never showed it, fine).</summary>
    public void Deleted(string key, string objectKey)
    {
        lock (_gate)
        {
            var expected = For(key);
            expected.Created.Remove(objectKey);
            expected.Deleted.Add(objectKey);
        }
    }

    /// <summary>Drops what was expected for the key (its object is gone).</summary>
    public void Forget(string key)
    {
        lock (_gate)
        {
            _byKey.Remove(key);
        }
    }

    /// <summary>
    /// How long a pass for the key should wait for its caches, or null to go ahead. <paramref name="cachedVersion"/> is
    /// the key's object's version in the cache; <paramref name="isCached"/> says whether an object is in its cache.
    /// What the caches have met is forgotten here.
    /// </summary>
    public TimeSpan? Wait(string key, string? cachedVersion, Func<string, bool> isCached)
    {
        ArgumentNullException.ThrowIfNull(isCached);
        lock (_gate)
        {
            if (!_byKey.TryGetValue(key, out var expected))
            {
                return null;
            }
            var left = patience - time.GetElapsedTime(expected.Since);
            if (left <= TimeSpan.Zero)
            {
                _byKey.Remove(key);
                return null;
            }
            if (cachedVersion is null || !expected.StaleVersions.Contains(cachedVersion))
            {
                expected.StaleVersions.Clear();   // the cache has moved past every version we replaced
            }
            expected.Created.RemoveWhere(k => isCached(k));
            expected.Deleted.RemoveWhere(k => !isCached(k));
            if (expected.StaleVersions.Count + expected.Created.Count + expected.Deleted.Count == 0)
            {
                _byKey.Remove(key);
                return null;
            }
            return left;
        }
    }

    /// <summary>The key's expectations, their patience counted from now (from the last write).</summary>
    private Expected For(string key)
    {
        if (!_byKey.TryGetValue(key, out var expected))
        {
            _byKey[key] = expected = new Expected();
        }
        expected.Since = time.GetTimestamp();
        return expected;
    }

    private sealed class Expected
    {
        public long Since { get; set; }
        public HashSet<string> StaleVersions { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Created { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Deleted { get; } = new(StringComparer.Ordinal);
    }
}
