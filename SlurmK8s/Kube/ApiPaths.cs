using Crd = SlurmK8s.Api.V1Alpha1.SlurmJob;

namespace SlurmK8s.Kube;

/// <summary>The API server paths slurmk8s calls, relative to the API root (as the generated operations spell them).</summary>
internal static class ApiPaths
{
    /// <summary>SlurmJobs in every namespace, or in one.</summary>
    public static string SlurmJobs(string? namespaceName) =>
        $"apis/{Crd.Group}/{Crd.Version}/{Namespaced(namespaceName)}{Crd.Plural}";

    public static string SlurmJob(string namespaceName, string name) => $"{SlurmJobs(namespaceName)}/{Segment(name)}";

    /// <summary>Pods in every namespace, or in one.</summary>
    public static string Pods(string? namespaceName) => $"api/v1/{Namespaced(namespaceName)}pods";

    public static string Pod(string namespaceName, string name) => $"{Pods(namespaceName)}/{Segment(name)}";

    public static string Events(string namespaceName) => $"api/v1/{Namespaced(namespaceName)}events";

    public const string Nodes = "api/v1/nodes";

    public static string Node(string name) => $"{Nodes}/{Segment(name)}";

    public static string Leases(string namespaceName) => $"apis/coordination.k8s.io/v1/{Namespaced(namespaceName)}leases";

    public static string Lease(string namespaceName, string name) => $"{Leases(namespaceName)}/{Segment(name)}";

    private static string Namespaced(string? namespaceName) => namespaceName is null ? "" : $"namespaces/{Segment(namespaceName)}/";

    private static string Segment(string value) => Uri.EscapeDataString(value);
}
