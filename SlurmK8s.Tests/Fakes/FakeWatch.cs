using System.Threading.Channels;
using SlurmK8s.Kube;

namespace SlurmK8s.Tests.Fakes;

/// <summary>One watch opened on a <see cref="FakeWatchSource{T}"/>: the test sends its events, ends it or breaks it.</summary>
internal sealed class FakeWatch<T>(string resourceVersion)
{
    private readonly Channel<Func<WatchEvent<T>>> _steps = Channel.CreateUnbounded<Func<WatchEvent<T>>>();

    /// <summary>The resourceVersion the watcher asked to start from.</summary>
    public string ResourceVersion { get; } = resourceVersion;

    public void Send(WatchEventType type, T? item, string resourceVersion) => _steps.Writer.TryWrite(() => new WatchEvent<T>(type, item, resourceVersion));

    /// <summary>The server ends the watch normally (its timeout).</summary>
    public void End() => _steps.Writer.TryComplete();

    /// <summary>The watch breaks with this error (e.g. a KubeApiException with 410, or an IOException).</summary>
    public void Fail(Exception error) => _steps.Writer.TryWrite(() => throw error);

    internal ChannelReader<Func<WatchEvent<T>>> Steps => _steps.Reader;
}
