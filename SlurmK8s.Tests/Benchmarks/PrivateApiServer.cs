using System.Globalization;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;

namespace SlurmK8s.Tests.Benchmarks;

/// <summary>
/// A fresh kube-apiserver + etcd of its own (scripts/kube-apiserver.sh up), for one benchmark run: empty etcd, so runs
/// of different sizes do not inherit each other's objects. The CRD from manifests/crds/ is installed and Established.
/// </summary>
internal sealed class PrivateApiServer : IAsyncDisposable
{
    private PrivateApiServer(string directory) => Directory = directory;

    public string Directory { get; }

    public string KubeconfigPath => Path.Combine(Directory, "kubeconfig");

    public int ApiServerPid => Pid("kube-apiserver");

    public int EtcdPid => Pid("etcd");

    /// <summary>etcd's database file as it stands (it grows with every revision until compacted).</summary>
    public long EtcdDatabaseBytes => new FileInfo(Path.Combine(Directory, "etcd-data", "member", "snap", "db")) is { Exists: true } db ? db.Length : 0;

    public static async Task<PrivateApiServer> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"slurmk8s-scale-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        await Succeed(RepositoryFiles.RunScriptAsync("kube-apiserver.sh", "build"));
        await Succeed(RepositoryFiles.RunScriptAsync("kube-apiserver.sh", "up", directory, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var server = new PrivateApiServer(directory);
        await Succeed(Command.RunAsync("kubectl", "--kubeconfig", server.KubeconfigPath, "--cache-dir", Path.Combine(directory, "kubectl-cache"),
            "apply", "-f", RepositoryFiles.CrdPath));
        await Succeed(Command.RunAsync("kubectl", "--kubeconfig", server.KubeconfigPath, "--cache-dir", Path.Combine(directory, "kubectl-cache"),
            "wait", "--for=condition=Established", "--timeout=60s", $"crd/{SlurmJob.Plural}.{SlurmJob.Group}"));
        return server;
    }

    public Kubernetes CreateClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    /// <summary>A client for slurmk8s' own Kube layer (KubeApi, WatchSources, …) of this API server.</summary>
    public KubeClient CreateKubeClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    public async ValueTask DisposeAsync()
    {
        await RepositoryFiles.RunScriptAsync("kube-apiserver.sh", "down", Directory);
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private int Pid(string daemon) => int.Parse(File.ReadAllText(Path.Combine(Directory, daemon + ".pid")).Trim(), CultureInfo.InvariantCulture);

    private static async Task Succeed(Task<SlurmK8s.Os.ProcessResult> running)
    {
        var result = await running;
        if (!result.Succeeded)
        {
            Assert.Fail($"failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        }
    }
}
