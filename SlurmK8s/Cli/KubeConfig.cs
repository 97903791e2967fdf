using k8s;
using k8s.Exceptions;
using SlurmK8s.Kube;

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

    /// <summary>As <see cref="Load"/>, but a kubeconfig that cannot be used is explained on stderr and null returned (the role exits with BadUsage).</summary>
    public static async Task<KubernetesClientConfiguration?> LoadOrExplainAsync(string? kubeconfig)
    {
        try
        {
            return Load(kubeconfig);
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// A client whose every request (watches too) first keeps to <paramref name="limits"/> and is then counted by
    /// <paramref name="recorder"/> (see <see cref="ApiRequestHandler"/>).
    /// </summary>
    public static KubeClient CreateClient(KubernetesClientConfiguration config, KubeApiLimits? limits = null, IApiRequestRecorder? recorder = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return limits is null && recorder is null ? new KubeClient(config) : new KubeClient(config, new ApiRequestHandler(limits?.CreateBucket(), recorder));
    }
}
