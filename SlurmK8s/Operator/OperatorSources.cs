using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>What the operator lists and watches into its caches: SlurmJobs, their companion pods (by label), and every node.</summary>
internal sealed record OperatorSources(IWatchSource<SlurmJob> Jobs, IWatchSource<V1Pod> Pods, IWatchSource<V1Node> Nodes)
{
    /// <summary>The watches on the API server; SlurmJobs and pods in <paramref name="namespaceName"/> only, or in every namespace when null.</summary>
    public static OperatorSources For(KubeClient client, string? namespaceName) => new(
        WatchSources.SlurmJobs(client, namespaceName),
        WatchSources.Pods(client, CompanionPod.JobLabel, namespaceName),
        WatchSources.Nodes(client));
}
