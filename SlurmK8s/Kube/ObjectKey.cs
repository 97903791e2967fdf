using k8s.Models;

namespace SlurmK8s.Kube;

/// <summary>Work-queue and cache keys: "namespace/name", or "name" for cluster-scoped objects (as client-go's MetaNamespaceKey).</summary>
internal static class ObjectKey
{
    public static string Of(string? namespaceName, string name) =>
        string.IsNullOrEmpty(namespaceName) ? name : $"{namespaceName}/{name}";

    public static string Of(V1ObjectMeta metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return Of(metadata.NamespaceProperty, metadata.Name);
    }

    /// <summary>The namespace ("" for cluster-scoped) and name of a key made by <see cref="Of(string?, string)"/>.</summary>
    public static (string Namespace, string Name) Split(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", key) : (key[..slash], key[(slash + 1)..]);
    }
}
