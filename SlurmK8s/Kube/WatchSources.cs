using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Kube;

/// <summary>The watches the operator, resourced, the companion and red-box run.</summary>
internal static class WatchSources
{
    /// <summary>SlurmJobs in every namespace, or in one.</summary>
    public static IWatchSource<SlurmJob> SlurmJobs(Kubernetes client, string? namespaceName = null, TimeSpan? watchTimeout = null)
    {
        ApiJson.Register();
        return new KubeWatchSource<SlurmJob, SlurmJobList>(client, SlurmJobsPath(namespaceName), null, "SlurmJobs", watchTimeout);
    }

    /// <summary>The one SlurmJob of this name: a LIST and WATCH of its namespace narrowed by a field selector (what the companion's role may do).</summary>
    public static IWatchSource<SlurmJob> OneSlurmJob(Kubernetes client, string namespaceName, string name)
    {
        ApiJson.Register();
        return new KubeWatchSource<SlurmJob, SlurmJobList>(client, SlurmJobsPath(namespaceName), null, $"SlurmJob {ObjectKey.Of(namespaceName, name)}",
            fieldSelector: "metadata.name=" + name);
    }

    /// <summary>Pods matching a label selector, in every namespace or in one.</summary>
    public static IWatchSource<V1Pod> Pods(Kubernetes client, string labelSelector, string? namespaceName = null, TimeSpan? watchTimeout = null)
    {
        var path = namespaceName is null ? "api/v1/pods" : $"api/v1/namespaces/{namespaceName}/pods";
        return new KubeWatchSource<V1Pod, V1PodList>(client, path, labelSelector, "pods", watchTimeout);
    }

    /// <summary>Every pod scheduled to one node (field selector spec.nodeName): what red-box needs to know who calls it.</summary>
    public static IWatchSource<V1Pod> PodsOnNode(Kubernetes client, string nodeName, TimeSpan? watchTimeout = null) =>
        new KubeWatchSource<V1Pod, V1PodList>(client, "api/v1/pods", null, $"pods on node {nodeName}", watchTimeout,
            fieldSelector: "spec.nodeName=" + nodeName);

    /// <summary>Every node: the operator reads which slurm.sylabs.io/* resources they advertise.</summary>
    public static IWatchSource<V1Node> Nodes(Kubernetes client, TimeSpan? watchTimeout = null) =>
        new KubeWatchSource<V1Node, V1NodeList>(client, "api/v1/nodes", null, "nodes", watchTimeout);

    /// <summary>The one node of this name (field selector metadata.name): resourced's own.</summary>
    public static IWatchSource<V1Node> Node(Kubernetes client, string name, TimeSpan? watchTimeout = null) =>
        new KubeWatchSource<V1Node, V1NodeList>(client, "api/v1/nodes", null, $"node {name}", watchTimeout, fieldSelector: "metadata.name=" + name);

    private static string SlurmJobsPath(string? namespaceName)
    {
        var root = $"apis/{SlurmJob.Group}/{SlurmJob.Version}/";
        return namespaceName is null ? root + SlurmJob.Plural : $"{root}namespaces/{namespaceName}/{SlurmJob.Plural}";
    }
}
