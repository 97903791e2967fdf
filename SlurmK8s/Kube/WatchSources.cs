using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Kube;

/// <summary>The watches the operator runs.</summary>
internal static class WatchSources
{
    /// <summary>SlurmJobs in every namespace, or in one.</summary>
    public static IWatchSource<SlurmJob> SlurmJobs(Kubernetes client, string? namespaceName = null, TimeSpan? watchTimeout = null)
    {
        ApiJson.Register();
        var root = $"apis/{SlurmJob.Group}/{SlurmJob.Version}/";
        var path = namespaceName is null ? root + SlurmJob.Plural : $"{root}namespaces/{namespaceName}/{SlurmJob.Plural}";
        return new KubeWatchSource<SlurmJob, SlurmJobList>(client, path, null, "SlurmJobs", watchTimeout);
    }

    /// <summary>Pods matching a label selector, in every namespace or in one.</summary>
    public static IWatchSource<V1Pod> Pods(Kubernetes client, string labelSelector, string? namespaceName = null, TimeSpan? watchTimeout = null)
    {
        var path = namespaceName is null ? "api/v1/pods" : $"api/v1/namespaces/{namespaceName}/pods";
        return new KubeWatchSource<V1Pod, V1PodList>(client, path, labelSelector, "pods", watchTimeout);
    }
}
