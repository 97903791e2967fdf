using k8s;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Os;
using SlurmK8s.Tests.Manifests;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>
/// The real one-machine Kubernetes of scripts/cluster.sh with slurmk8s installed on it by scripts/demo.sh install (the
/// README's administrator steps: CRD, RBAC, slurm-config, resourced, operator — pods from the local image).
/// Brought up and installed once per test run; taken down at the end only if this run started it.
/// </summary>
internal static class LocalCluster
{
    public const string KubeconfigPath = "/var/lib/slurmk8s-cluster/admin.kubeconfig";

    /// <summary>Where the samples' hostPath volume puts the results on the node.</summary>
    public const string ResultsRoot = "/var/lib/slurmk8s/results";

    /// <summary>The namespace of the operator, resourced and the slurm-config ConfigMap.</summary>
    public const string SystemNamespace = "default";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _ready;
    private static bool _startedByUs;

    /// <summary>The node's name (the cluster has one).</summary>
    public static string NodeName { get; private set; } = "";

    public static async Task EnsureReadyAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_ready)
            {
                return;
            }
            if (Environment.UserName != "root")
            {
                Assert.Fail("the end-to-end tests run scripts/cluster.sh and read the node's files: run them as root (./build.sh test)");
            }
            if (!(await RunScriptAsync("cluster.sh", "status", mustSucceed: false)).Succeeded)
            {
                await TestContext.Progress.WriteLineAsync("EndToEnd: the local cluster is not running: starting it (scripts/cluster.sh up)");
                _startedByUs = true;
                await RunScriptAsync("cluster.sh", "up");
            }
            await RunScriptAsync("demo.sh", "install");
            ApiJson.Register();
            using var client = CreateClient();
            NodeName = (await client.CoreV1.ListNodeAsync()).Items.Single().Metadata.Name;
            _ready = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Leaves the machine as the run found it: the cluster goes down if this run brought it up.</summary>
    public static async Task StopIfStartedAsync()
    {
        if (_startedByUs)
        {
            await RunScriptAsync("cluster.sh", "down");
            _startedByUs = false;
            _ready = false;
        }
    }

    /// <summary>A client with the admin kubeconfig (the tests play the cluster's user and administrator).</summary>
    public static Kubernetes CreateClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    public static Task<ProcessResult> KubectlAsync(params string[] arguments) => KubectlWithInputAsync(null, arguments);

    public static Task<ProcessResult> KubectlWithInputAsync(string? input, params string[] arguments) =>
        new ProcessRunner().RunAsync("kubectl", ["--kubeconfig", KubeconfigPath, .. arguments], input, CancellationToken.None);

    /// <summary>Runs kubectl and fails the test with kubectl's words if it fails; returns stdout.</summary>
    public static async Task<string> KubectlSucceedsAsync(params string[] arguments)
    {
        var result = await KubectlAsync(arguments);
        if (!result.Succeeded)
        {
            Assert.Fail($"kubectl {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        }
        return result.StandardOutput;
    }

    private static async Task<ProcessResult> RunScriptAsync(string script, string command, bool mustSucceed = true)
    {
        var path = Path.Combine(RepositoryFiles.Root, "scripts", script);
        var started = DateTime.UtcNow;
        var result = await Command.RunAsync(path, command);
        if (mustSucceed)
        {
            await TestContext.Progress.WriteLineAsync($"EndToEnd: scripts/{script} {command} took {(DateTime.UtcNow - started).TotalSeconds:F1} s");
            if (!result.Succeeded)
            {
                Assert.Fail($"scripts/{script} {command} failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
            }
        }
        return result;
    }
}
