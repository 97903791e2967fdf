using System.CommandLine;
using k8s;
using Microsoft.Extensions.Logging;
using SlurmK8s.Cli;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.Resourced;

/// <summary>`slurmk8s resourced`: the node daemon (a DaemonSet) that labels its Node and sets slurm.sylabs.io/* extended resources.</summary>
internal static class ResourcedCommand
{
    public static Command Create()
    {
        var slurmConfig = new Option<string>("--slurm-config")
        {
            Description = "Directory holding the config file `slurm` (the slurm-config ConfigMap's `config` key, mounted there)",
            DefaultValueFactory = _ => ResourcedOptions.DefaultConfigDirectory,
        };
        var nodeName = new Option<string>("--node-name")
        {
            Description = "The Node to label (default: $NODE_NAME, set from spec.nodeName by the downward API)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NODE_NAME") ?? "",
        };
        var kubeconfig = SharedOptions.Kubeconfig();
        var discover = new Option<bool>("--discover")
        {
            Description = "Fill the resources from red-box's Slurm partitions (cpu, mem, nodes, one per GRES name); resources in the config file still win",
        };
        var socket = SharedOptions.Socket("asked by --discover");
        var resync = new Option<double>("--resync-interval")
        {
            Description = "Seconds between passes that re-read the Node (and red-box) and correct them even when the file did not change",
            DefaultValueFactory = _ => 120,
        };
        var logFormat = SharedOptions.LogFormat();

        var command = new Command("resourced",
            "Node daemon: labels the node and sets slurm.sylabs.io/* extended resources from the slurm-config ConfigMap, following its changes")
        {
            slurmConfig, nodeName, kubeconfig, discover, socket, resync, logFormat,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var seconds = result.GetValue(resync);
            if (seconds <= 0)
            {
                await Console.Error.WriteLineAsync("--resync-interval must be more than 0 seconds").ConfigureAwait(false);
                return ExitCodes.BadUsage;
            }
            var options = new ResourcedOptions
            {
                ConfigDirectory = result.GetValue(slurmConfig)!,
                NodeName = result.GetValue(nodeName)!,
                Kubeconfig = result.GetValue(kubeconfig),
                Discover = result.GetValue(discover),
                Socket = result.GetValue(socket)!,
                ResyncInterval = TimeSpan.FromSeconds(seconds),
                JsonLogs = result.GetValue(logFormat) == "json",
            };
            return await RunAsync(options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires (SIGTERM/SIGINT from the command line).</summary>
    public static async Task<int> RunAsync(ResourcedOptions options, CancellationToken cancellationToken)
    {
        if (options.NodeName.Length == 0)
        {
            await Console.Error.WriteLineAsync("No node name: pass --node-name, or set NODE_NAME from the downward API "
                + "(env: - name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}})").ConfigureAwait(false);
            return ExitCodes.BadUsage;
        }
        if (await KubeConfig.LoadOrExplainAsync(options.Kubeconfig).ConfigureAwait(false) is not { } kubeConfig)
        {
            return ExitCodes.BadUsage;
        }

        using var loggers = ConsoleLogging.Create(options.JsonLogs);
        using var client = new Kubernetes(kubeConfig);
        var daemon = new ResourcedLoop(
            options.NodeName,
            new KubeNodeApi(client),
            new NodeConfigWatcher(options.ConfigFile, TimeSpan.FromMilliseconds(150), options.FilePollInterval, loggers.CreateLogger<NodeConfigWatcher>()),
            options.Discover ? new RedBoxDiscovery(options.Socket) : null,
            options.ResyncInterval,
            // No watch on the Node (WatchSources.Node): slurm-rd may get and patch nodes, not list or watch them
            // (manifests/resource-daemon.yaml, pinned by ResourceDaemonManifestTests); the resync corrects others' changes.
            loggers.CreateLogger<ResourcedLoop>());
        try
        {
            await daemon.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped (SIGTERM): what was applied stays on the Node, as the next resourced will find it right.
        }
        return ExitCodes.Success;
    }
}
