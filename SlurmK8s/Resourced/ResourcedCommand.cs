using System.CommandLine;
using System.Net;
using k8s;
using Microsoft.Extensions.Logging;
using SlurmK8s.Cli;
using SlurmK8s.Kube;
using SlurmK8s.ControllerRuntime.Observability;
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
        var healthPort = new Option<int>("--health-port") { Description = "Port of /healthz (-1: none)", DefaultValueFactory = _ => 8080 };

        var command = new Command("resourced",
            "Node daemon: labels the node and sets slurm.sylabs.io/* extended resources from the slurm-config ConfigMap, following its changes")
        {
            slurmConfig, nodeName, kubeconfig, discover, socket, resync, logFormat, healthPort,
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
                HealthPort = result.GetValue(healthPort) is var port and >= 0 ? port : null,
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
        using var client = new KubeClient(kubeConfig);
        var health = new HealthState();
        var daemon = new ResourcedLoop(
            options.NodeName,
            new KubeNodeApi(client),
            new NodeConfigWatcher(options.ConfigFile, TimeSpan.FromMilliseconds(150), options.FilePollInterval, loggers.CreateLogger<NodeConfigWatcher>()),
            options.Discover ? new RedBoxDiscovery(options.Socket) : null,
            options.ResyncInterval,
            loggers.CreateLogger<ResourcedLoop>(),
            // Its own Node only (a field selector): another writer's change to our keys is corrected at once.
            WatchSources.Node(client, options.NodeName),
            health);
        await using var server = options.HealthPort is { } port
            ? await ObservabilityServer.StartAsync(IPAddress.Any, port, NoMetrics, health).ConfigureAwait(false)
            : null;
        health.SetReady();
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

    // resourced serves health only: its work is visible on the Node itself.
    private static readonly PrometheusCollector NoMetrics = new(_ => false);
}
