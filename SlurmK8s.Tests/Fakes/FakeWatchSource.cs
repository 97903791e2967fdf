using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using SlurmK8s.Kube;

namespace SlurmK8s.Tests.Fakes;

/// <summary>
/// A scripted LIST/WATCH: LIST answers from <see cref="Items"/> at <see cref="ListResourceVersion"/>; each WATCH
/// becomes a <see cref="FakeWatch{T}"/> the test drives, handed out in order by <see cref="NextWatchAsync"/>.
/// </summary>
internal sealed class FakeWatchSource<T> : IWatchSource<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Channel<FakeWatch<T>> _opened = Channel.CreateUnbounded<FakeWatch<T>>();
    private readonly Lock _gate = new();
    private List<T> _items = [];
    private string _listResourceVersion = "1";
    private int _watchCalls;

    public string Description => "fakes";

    public int ListCalls { get; private set; }

    /// <summary>How many watches have been opened so far.</summary>
    public int WatchCalls => Volatile.Read(ref _watchCalls);

    /// <summary>Throws from LIST when set (e.g. the server is down), before answering.</summary>
    public Func<Exception?>? OnList { get; set; }

    /// <summary>What the next LIST returns.</summary>
    public void SetList(string resourceVersion, params T[] items)
    {
        lock (_gate)
        {
            _listResourceVersion = resourceVersion;
            _items = [.. items];
        }
    }

    /// <summary>The next watch the watcher opens.</summary>
    public async Task<FakeWatch<T>> NextWatchAsync() => await _opened.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    public Task<KubeList<T>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ListCalls++;
            if (OnList?.Invoke() is { } error)
            {
                throw error;
            }
            return Task.FromResult(new KubeList<T>([.. _items], _listResourceVersion));
        }
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watch = new FakeWatch<T>(resourceVersion);
        Interlocked.Increment(ref _watchCalls);
        _opened.Writer.TryWrite(watch);
        await foreach (var step in watch.Steps.ReadAllAsync(cancellationToken))
        {
            yield return step();
        }
    }
}
