namespace SlurmK8s.Kube;

/// <summary>One line of a watch stream. <paramref name="Object"/> is null for a bookmark.</summary>
internal readonly record struct WatchEvent<T>(WatchEventType Type, T? Object, string ResourceVersion);
