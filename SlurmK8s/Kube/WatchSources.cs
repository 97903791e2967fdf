using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Kube;

/// <summary>The watches the operator, resourced, the companion and red-box run.</summary>
internal static class WatchSources
{
    /// <summary>SlurmJobs in every namespace, or in one.</summary>
    public static IWatchSource<SlurmJob> SlurmJobs(KubeClient client, string? namespaceName = null, TimeSpan? watchTimeout = null) =>
        new KubeWatchSource<SlurmJob, SlurmJobList>(client, ApiJsonContext.Default.SlurmJob, ApiJsonContext.Default.SlurmJobList, ApiPaths.SlurmJobs(namespaceName), null,
            "SlurmJobs", watchTimeout);

    /// <summary>The one SlurmJob of this name: a LIST and WATCH of its namespace narrowed by a field selector (what the companion's role may do).</summary>
    public static IWatchSource<SlurmJob> OneSlurmJob(KubeClient client, string namespaceName, string name) =>
        new KubeWatchSource<SlurmJob, SlurmJobList>(client, ApiJsonContext.Default.SlurmJob, ApiJsonContext.Default.SlurmJobList, ApiPaths.SlurmJobs(namespaceName), null,
            $"SlurmJob {ObjectKey.Of(namespaceName, name)}", fieldSelector: "metadata.name=" + name);

    /// <summary>Pods matching a label selector, in every namespace or in one.</summary>
    public static IWatchSource<V1Pod> Pods(KubeClient client, string labelSelector, string? namespaceName = null, TimeSpan? watchTimeout = null)
    {
        return new KubeWatchSource<V1Pod, V1PodList>(client, ApiJsonContext.Default.V1Pod, ApiJsonContext.Default.V1PodList, ApiPaths.Pods(namespaceName), labelSelector,
            "pods", watchTimeout);
    }

    /// <summary>Every pod scheduled to one node (field selector spec.nodeName): what red-box needs to know who calls it.</summary>
    public static IWatchSource<V1Pod> PodsOnNode(KubeClient client, string nodeName, TimeSpan? watchTimeout = null) =>
        new KubeWatchSource<V1Pod, V1PodList>(client, ApiJsonContext.Default.V1Pod, ApiJsonContext.Default.V1PodList, ApiPaths.Pods(null), null, $"pods on node {nodeName}", watchTimeout,
            fieldSelector: "spec.nodeName=" + nodeName);

    /// <summary>Every node: the operator reads which slurm.sylabs.io/* resources they advertise.</summary>
    public static IWatchSource<V1Node> Nodes(KubeClient client, TimeSpan? watchTimeout = null) =>
        new KubeWatchSource<V1Node, V1NodeList>(client, ApiJsonContext.Default.V1Node, ApiJsonContext.Default.V1NodeList, ApiPaths.Nodes, null, "nodes", watchTimeout);

    /// <summary>The one node of this name (field selector metadata.name): resourced's own.</summary>
    public static IWatchSource<V1Node> Node(KubeClient client, string name, TimeSpan? watchTimeout = null) =>
        new KubeWatchSource<V1Node, V1NodeList>(client, ApiJsonContext.Default.V1Node, ApiJsonContext.Default.V1NodeList, ApiPaths.Nodes, null, $"node {name}", watchTimeout, fieldSelector: "metadata.name=" + name);
}
