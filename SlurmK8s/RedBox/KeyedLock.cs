namespace SlurmK8s.RedBox;

/// <summary>
/// One async lock per key, kept only while someone holds or waits for it. Submissions with different keys never wait
/// for each other (a fixed set of lock stripes made unrelated keys that hashed alike wait a whole sbatch).
/// </summary>
internal sealed class KeyedLock
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Keys with a holder or a waiter.</summary>
    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    public async Task<Holder> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                _entries[key] = entry = new Entry();
            }
            entry.Users++;
        }
        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(key, entry, held: false);
            throw;
        }
        return new Holder(this, key, entry);
    }

    private void Leave(string key, Entry entry, bool held)
    {
        lock (_entries)
        {
            if (held)
            {
                entry.Semaphore.Release();
            }
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
            }
        }
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    /// <summary>Holds the key's lock until disposed.</summary>
    public sealed class Holder : IDisposable
    {
        private readonly KeyedLock _owner;
        private readonly string _key;
        private Entry? _entry;

        internal Holder(KeyedLock owner, string key, Entry entry)
        {
            _owner = owner;
            _key = key;
            _entry = entry;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _entry, null) is { } entry)
            {
                _owner.Leave(_key, entry, held: true);
            }
        }
    }
}
