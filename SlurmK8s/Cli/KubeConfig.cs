using k8s;
using k8s.Exceptions;

namespace SlurmK8s.Cli;

/// <summary>How every Kubernetes-facing role finds its API server: --kubeconfig, else the pod's service account.</summary>
internal static class KubeConfig
{
    /// <exception cref="KubeConfigException">Neither works; the message says what to pass.</exception>
    public static KubernetesClientConfiguration Load(string? kubeconfig)
    {
        if (kubeconfig is not null)
        {
            return File.Exists(kubeconfig)
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)
                : throw new KubeConfigException($"--kubeconfig {kubeconfig}: no such file");
        }
        return KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : throw new KubeConfigException("Not running in a pod (no service account token): pass --kubeconfig FILE");
    }
}
