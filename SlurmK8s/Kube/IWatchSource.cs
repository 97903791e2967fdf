namespace SlurmK8s.Kube;

/// <summary>LIST and WATCH of one kind of object (e.g. all SlurmJobs, or the pods matching a label selector).</summary>
internal interface IWatchSource<T>
{
    /// <summary>What is watched, for logs (e.g. "SlurmJobs", "pods (app=x)").</summary>
    string Description { get; }

    /// <summary>The current objects and the resourceVersion to watch from.</summary>
    Task<KubeList<T>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The changes after <paramref name="resourceVersion"/>, until the server ends the watch. An error the server
    /// reports (an HTTP error, or an ERROR event) is thrown as <see cref="KubeApiException"/>; 410 means "list again".
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync(string resourceVersion, CancellationToken cancellationToken);
}
