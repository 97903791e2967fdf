namespace SlurmK8s.Kube;

/// <summary>The kinds of watch event a consumer of <see cref="IWatchSource{T}"/> sees (ERROR arrives as an exception).</summary>
internal enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    /// <summary>No change: only a newer resourceVersion to resume from.</summary>
    Bookmark,
}
