namespace SlurmK8s.Kube;

/// <summary>What a LIST returned: the items and the list's resourceVersion (where a watch would start).</summary>
internal sealed record KubeList<T>(IReadOnlyList<T> Items, string ResourceVersion);
