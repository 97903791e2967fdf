using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// The real kube-apiserver + etcd that scripts/kube-apiserver.sh starts: one per test run,
/// started by the first test that asks and stopped by <see cref="RealApiServerTeardown"/>.
/// Tests isolate themselves with <see cref="NewNamespaceAsync"/>; Nodes are cluster-wide, so
/// tests that touch Nodes use names of their own.
/// </summary>
internal static class RealApiServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _stateDirectory;

    /// <summary>The admin kubeconfig (a system:masters token) of the running API server.</summary>
    public static string KubeconfigPath => Path.Combine(_stateDirectory ?? throw new InvalidOperationException("call EnsureUpAsync first"), "kubeconfig");

    /// <summary>Where the API server keeps its state and logs (kube-apiserver.log, etcd.log, ports).</summary>
    public static string StateDirectory => _stateDirectory ?? throw new InvalidOperationException("call EnsureUpAsync first");

    public static bool IsStarted => _stateDirectory is not null;

    /// <summary>Builds (once per machine, cached) and starts the API server if this run has not yet.</summary>
    public static async Task EnsureUpAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_stateDirectory is not null)
            {
                return;
            }
            var directory = Path.Combine(Path.GetTempPath(), $"slurmk8s-apiserver-{Environment.ProcessId}");
            await RepositoryFiles.RunScriptAsync("kube-apiserver.sh", "build");
            await RepositoryFiles.RunScriptAsync("kube-apiserver.sh", "up", directory, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _stateDirectory = directory;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A client with the admin kubeconfig, that knows our custom resources.</summary>
    public static Kubernetes CreateClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    /// <summary>A client for slurmk8s' own Kube layer (KubeApi, WatchSources, …) of the same API server.</summary>
    public static KubeClient CreateKubeClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    /// <summary>A fresh namespace named after the calling test, so tests never see each other's objects.</summary>
    public static async Task<string> NewNamespaceAsync(Kubernetes client, string prefix = "t")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)].ToLowerInvariant();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    internal static async Task StopAsync()
    {
        if (_stateDirectory is { } directory)
        {
            await RepositoryFiles.RunScriptAsync("kube-apiserver.sh", "down", directory);
            Directory.Delete(directory, recursive: true);
            _stateDirectory = null;
        }
    }
}
