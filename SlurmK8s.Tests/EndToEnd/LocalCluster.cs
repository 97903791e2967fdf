using k8s;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
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
    private static bool _secondNodeStartedByUs;
    private static bool _secondNodeSeen;

    /// <summary>Node 1's name: the node named as this machine (scripts/cluster.sh), bound to the main Slurm cluster.</summary>
    public static string NodeName { get; private set; } = "";

    /// <summary>Node 2's name (scripts/cluster.sh up --nodes 2), bound to the second Slurm cluster, when a test asked for it.</summary>
    public static string SecondNodeName => NodeName + "-2";

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
            var installed = Environment.GetEnvironmentVariable("SLURMK8S_E2E_INSTALLED") == "1";
            if (installed)
            {
                // Someone else's cluster: never started (nor restarted) from here; waited for if it is down a moment.
                await Eventually.TrueAsync(async () => (await RunScriptAsync("cluster.sh", "status", mustSucceed: false)).Succeeded,
                    "the installed cluster to run (SLURMK8S_E2E_INSTALLED=1)", TimeSpan.FromMinutes(3));
            }
            else if (!(await RunScriptAsync("cluster.sh", "status", mustSucceed: false)).Succeeded)
            {
                await TestContext.Progress.WriteLineAsync("EndToEnd: the local cluster is not running: starting it (scripts/cluster.sh up)");
                _startedByUs = true;
                await RunScriptAsync("cluster.sh", "up");
            }
            // SLURMK8S_E2E_INSTALLED=1: test the build the cluster runs (installed by someone else), install nothing.
            if (!installed)
            {
                await RunScriptAsync("demo.sh", "install");
            }
            using var client = CreateClient();
            // Node 1 is the node named as this machine; a second node (<node 1>-2) may be up too.
            var names = (await client.CoreV1.ListNodeAsync()).Items.Select(n => n.Metadata.Name).ToList();
            var machine = (Environment.GetEnvironmentVariable("NODE_NAME") ?? System.Net.Dns.GetHostName().Split('.')[0]).ToLowerInvariant();
            NodeName = names.Contains(machine) ? machine : names.First(n => !n.EndsWith("-2", StringComparison.Ordinal));
            _ready = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// Node 2 up (scripts/cluster.sh node2 up: its containerd, kubelet and red-box, and the second Slurm cluster) and its
    /// slurm-config entry installed (scripts/demo.sh install writes it when node 2 is registered), until resourced has
    /// labelled it. Only the tests of two nodes ask for it: with node 2 in slurm-config, a SlurmJob that names no cluster
    /// may land on either node, which the other end-to-end tests (that look into the main Slurm) do not expect.
    /// </summary>
    public static async Task EnsureSecondNodeAsync()
    {
        await EnsureReadyAsync();
        await Gate.WaitAsync();
        try
        {
            // Whether this run brings node 2 is decided once: later calls bring back a node 2 a test stopped.
            if (!_secondNodeSeen && !(await RunScriptAsync("cluster.sh", "node2 status", mustSucceed: false)).Succeeded)
            {
                await TestContext.Progress.WriteLineAsync("EndToEnd: node 2 is not running: starting it (scripts/cluster.sh node2 up)");
                _secondNodeStartedByUs = true;
            }
            _secondNodeSeen = true;
            // Always: a node 2 whose kubelet or red-box was stopped by a test comes back.
            await RunScriptAsync("cluster.sh", "node2 up");
            await RunScriptAsync("demo.sh", "slurm-config");
            using var client = CreateClient();
            await Eventually.ValueAsync(() => client.CoreV1.ReadNodeAsync(SecondNodeName),
                n => n.Metadata.Labels.TryGetValue("slurm.sylabs.io/cluster", out var c) && c == "second" && n.Status.Allocatable.ContainsKey("slurm.sylabs.io/gpu"),
                $"resourced to label node {SecondNodeName} cluster=second with its gpu", TimeSpan.FromSeconds(90));
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Node 2 down again if this run brought it up, and its slurm-config entry gone (install writes none then).</summary>
    public static async Task ReleaseSecondNodeAsync()
    {
        if (_secondNodeStartedByUs)
        {
            await RunScriptAsync("cluster.sh", "node2 down");
            _secondNodeStartedByUs = false;
            // Node 2's entry goes with it (the API server may be away a moment: asked again).
            await Eventually.TrueAsync(async () => (await RunScriptAsync("demo.sh", "slurm-config", mustSucceed: false)).Succeeded,
                "scripts/demo.sh slurm-config without node 2", TimeSpan.FromMinutes(3));
        }
    }

    /// <summary>Stops node 2's kubelet and red-box (its containers run on): the node is lost until <see cref="EnsureSecondNodeAsync"/>.</summary>
    public static Task StopSecondNodeAsync() => RunScriptAsync("cluster.sh", "node2 stop");

    /// <summary>Leaves the machine as the run found it: the cluster goes down if this run brought it up.</summary>
    public static async Task StopIfStartedAsync()
    {
        await ReleaseSecondNodeAsync();
        if (_startedByUs)
        {
            await RunScriptAsync("cluster.sh", "down");
            _startedByUs = false;
            _ready = false;
        }
    }

    /// <summary>A client with the admin kubeconfig (the tests play the cluster's user and administrator).</summary>
    public static Kubernetes CreateClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    /// <summary>A client for slurmk8s' own Kube layer (KubeApi, WatchSources, …) of the cluster.</summary>
    public static KubeClient CreateKubeClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

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
        var result = await Command.RunAsync(path, command.Split(' '));
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
