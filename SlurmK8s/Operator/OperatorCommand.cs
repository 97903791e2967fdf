using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using k8s;
using Microsoft.Extensions.Logging;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Cli;
using SlurmK8s.Kube;
using SlurmK8s.ControllerRuntime.LeaderElection;
using SlurmK8s.ControllerRuntime.Observability;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.Operator;

/// <summary>`slurmk8s operator`: the SlurmJob controller.</summary>
internal static partial class OperatorCommand
{
    public static Command Create()
    {
        var kubeconfig = SharedOptions.Kubeconfig();
        var watchNamespace = new Option<string?>("--namespace") { Description = "Watch SlurmJobs in this namespace only (default: every namespace)" };
        var image = new Option<string>("--companion-image") { Description = "Image of the companion pods (the slurmk8s image)", Required = true };
        var pullPolicy = new Option<string>("--companion-image-pull-policy") { Description = "Always, IfNotPresent or Never", DefaultValueFactory = _ => "IfNotPresent" };
        pullPolicy.AcceptOnlyFromAmong("Always", "IfNotPresent", "Never");
        var uid = new Option<long>("--companion-uid") { Description = "UID the companion runs as; it must be able to write the results volumes", DefaultValueFactory = _ => 1000 };
        var gid = new Option<long>("--companion-gid") { Description = "GID the companion runs as", DefaultValueFactory = _ => 1000 };
        var serviceAccount = new Option<string>("--companion-service-account") { Description = "Service account of the companion pods (manifests/companion-rbac.yaml)", DefaultValueFactory = _ => "slurm-companion" };
        var socket = SharedOptions.Socket("its path on the nodes, mounted into companion pods");
        var oldSocket = SharedOptions.OldSpelling(socket, "--red-box-socket");
        var socketGroup = new Option<long?>("--socket-group-id")
        {
            Description = "GID of red-box's --socket-group on the nodes, given to companion pods as a supplemental group",
            // The kustomize base ships "unset" on purpose: without the right GID no companion can reach red-box.
            CustomParser = argument => argument.Tokens.SingleOrDefault()?.Value is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var gid)
                ? gid
                : Refuse(argument, $"--socket-group-id is \"{argument.Tokens.SingleOrDefault()?.Value}\", not a GID: set socket-gid in manifests/kustomization.yaml (or your overlay) to the GID of red-box's socket group on the nodes (getent group slurmk8s-clients | cut -d: -f3) and apply it again"),
        };
        var resultsTypes = new Option<string>(ResultsVolumePolicy.TypesFlag)
        {
            Description = "Volume types a SlurmJob's spec.results.mount may use, comma-separated (hostPath: only under --results-host-path-prefix)",
            DefaultValueFactory = _ => string.Join(',', ResultsVolumePolicy.DefaultTypes),
        };
        var resultsHostPathPrefix = new Option<string[]>(ResultsVolumePolicy.HostPathPrefixFlag)
        {
            Description = "A host directory under which spec.results.mount may be a hostPath (repeatable; default: none, so no hostPath)",
            AllowMultipleArgumentsPerToken = false,
        };
        var cpuRequest = new Option<string>(CompanionResources.CpuRequestFlag)
        {
            Description = "CPU a companion pod requests (a Kubernetes quantity, or none)", DefaultValueFactory = _ => CompanionResources.Default.CpuRequest,
        };
        var memoryRequest = new Option<string>(CompanionResources.MemoryRequestFlag)
        {
            Description = "Memory a companion pod requests (or none)", DefaultValueFactory = _ => CompanionResources.Default.MemoryRequest,
        };
        var memoryLimit = new Option<string>(CompanionResources.MemoryLimitFlag)
        {
            Description = "Memory a companion pod may use at most (or none: no limit)", DefaultValueFactory = _ => CompanionResources.Default.MemoryLimit,
        };
        var reattachPriority = new Option<string>("--reattach-priority-class")
        {
            Description = "PriorityClass of companion pods whose job Slurm already has, so they get their slot before new jobs (manifests/priorityclass.yaml; none: no class)",
            DefaultValueFactory = _ => CompanionPodOptions.DefaultReattachPriorityClass,
        };
        var cancelTimeout = new Option<double>("--cancel-timeout") { Description = "Seconds a deleted SlurmJob waits for its Slurm job to be cancelled before it is let go with a warning", DefaultValueFactory = _ => 300 };
        var workers = new Option<int>("--workers") { Description = "SlurmJobs reconciled at once", DefaultValueFactory = _ => OperatorOptions.DefaultWorkers };
        var healthPort = new Option<int>("--health-port") { Description = "Port of /healthz, /readyz and /metrics (-1: none)", DefaultValueFactory = _ => 8080 };
        var leaderElect = new Option<bool>("--leader-elect") { Description = "Act only while holding the Lease, so that replicas never act at once", DefaultValueFactory = _ => true };
        var leaseNamespace = new Option<string>("--leader-election-namespace") { Description = "Namespace of the Lease (default: $POD_NAMESPACE, else default)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "default" };
        var leaseName = new Option<string>("--leader-election-name") { Description = "Name of the Lease", DefaultValueFactory = _ => "slurm-operator" };
        var logFormat = SharedOptions.LogFormat();
        var apiLimits = SharedOptions.KubeApiLimitOptions(OperatorOptions.DefaultKubeApiLimits);

        var command = new Command("operator", "Controller for SlurmJob resources: creates a companion pod per job and keeps its status true to Slurm")
        {
            kubeconfig, watchNamespace, image, pullPolicy, uid, gid, serviceAccount, socket, oldSocket, socketGroup, resultsTypes, resultsHostPathPrefix,
            cpuRequest, memoryRequest, memoryLimit, reattachPriority, cancelTimeout, workers, healthPort, leaderElect, leaseNamespace, leaseName, logFormat, apiLimits.Qps, apiLimits.Burst,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(workers) < 1 || result.GetValue(cancelTimeout) <= 0)
            {
                await Console.Error.WriteLineAsync("--workers must be at least 1 and --cancel-timeout more than 0 seconds").ConfigureAwait(false);
                return ExitCodes.BadUsage;
            }
            if (result.GetValue(uid) == 0)
            {
                // The pod says runAsNonRoot, so the kubelet would refuse to start it: say so now, not per SlurmJob.
                await Console.Error.WriteLineAsync("--companion-uid 0: companion pods never run as root; give the UID that owns the results volumes (e.g. 1000)").ConfigureAwait(false);
                return ExitCodes.BadUsage;
            }
            if (CompanionPod.SocketDirectoryRefusal(result.GetValue(socket)!) is { } socketRefusal)
            {
                await Console.Error.WriteLineAsync(socketRefusal).ConfigureAwait(false);
                return ExitCodes.BadUsage;
            }
            var (resultsVolumes, policyError) = ResultsVolumePolicy.Create(result.GetValue(resultsTypes)!.Split(','), result.GetValue(resultsHostPathPrefix) ?? []);
            if (resultsVolumes is null)
            {
                await Console.Error.WriteLineAsync(policyError).ConfigureAwait(false);
                return ExitCodes.BadUsage;
            }
            var (resources, resourcesError) = CompanionResources.Create(result.GetValue(cpuRequest)!, result.GetValue(memoryRequest)!, result.GetValue(memoryLimit)!);
            if (resources is null)
            {
                await Console.Error.WriteLineAsync(resourcesError).ConfigureAwait(false);
                return ExitCodes.BadUsage;
            }
            var identity = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : $"{Dns.GetHostName()}-{Environment.ProcessId}";
            var options = new OperatorOptions
            {
                Kubeconfig = result.GetValue(kubeconfig),
                Namespace = result.GetValue(watchNamespace),
                Companion = new CompanionPodOptions
                {
                    Image = result.GetValue(image)!,
                    ImagePullPolicy = result.GetValue(pullPolicy)!,
                    RunAsUser = result.GetValue(uid),
                    RunAsGroup = result.GetValue(gid),
                    ServiceAccount = result.GetValue(serviceAccount)!,
                    RedBoxSocket = result.GetValue(socket)!,
                    SocketGroupId = result.GetValue(socketGroup),
                    ResultsVolumes = resultsVolumes,
                    Resources = resources,
                    ReattachPriorityClass = SharedOptions.NoneIsEmpty(result.GetValue(reattachPriority)),
                    CancelTimeout = TimeSpan.FromSeconds(result.GetValue(cancelTimeout)),
                },
                Workers = result.GetValue(workers),
                KubeApiLimits = SharedOptions.KubeApiLimitsFrom(result, apiLimits),
                HealthPort = result.GetValue(healthPort) is var port and >= 0 ? port : null,
                LeaderElection = result.GetValue(leaderElect)
                    ? new LeaderElectionOptions { Namespace = result.GetValue(leaseNamespace)!, LeaseName = result.GetValue(leaseName)!, Identity = identity }
                    : null,
                JsonLogs = result.GetValue(logFormat) == "json",
            };
            return await RunAsync(options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs until cancelled (SIGTERM) or until leadership is lost (then exits non-zero, to be restarted).</summary>
    public static async Task<int> RunAsync(OperatorOptions options, CancellationToken cancellationToken)
    {
        if (await KubeConfig.LoadOrExplainAsync(options.Kubeconfig).ConfigureAwait(false) is not { } kubeConfig)
        {
            return ExitCodes.BadUsage;
        }
        using var loggers = ConsoleLogging.Create(options.JsonLogs);
        var logger = loggers.CreateLogger(typeof(OperatorCommand));
        LogResultsVolumePolicy(logger, options.Companion.ResultsVolumes.Description);
        using var metrics = new OperatorMetrics();
        using var client = KubeConfig.CreateClient(kubeConfig, options.KubeApiLimits, metrics);
        LogKubeApiLimits(logger, options.KubeApiLimits);
        using var collector = new PrometheusCollector(meter => meter.Name == OperatorMetrics.MeterName);
        var health = new HealthState();
        // A standby replica is ready (it waits for the Lease): readiness gating on leadership would stall a rolling update.
        health.SetReady();

        var loop = new OperatorLoop(OperatorSources.For(client, options.Namespace), new KubeApi(client, options.LeaderElection?.Identity), options, metrics, health, loggers);
        metrics.ObserveJobsWith(() => loop.Jobs.GroupBy(j => j.Status?.Phase ?? SlurmJobPhase.Pending).ToDictionary(g => g.Key, g => g.Count()));

        await using var server = options.HealthPort is { } port
            ? await ObservabilityServer.StartAsync(IPAddress.Any, port, collector, health).ConfigureAwait(false)
            : null;
        if (server is not null)
        {
            LogServing(logger, server.Port);
        }

        if (options.LeaderElection is not { } election)
        {
            metrics.ObserveLeadershipWith(() => true);
            await loop.RunAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        var elector = new LeaderElector(new KubernetesLeaseClient(client), election, loggers.CreateLogger<LeaderElector>());
        metrics.ObserveLeadershipWith(() => elector.IsLeader);
        var end = await elector.RunAsync(loop.RunAsync, cancellationToken).ConfigureAwait(false);
        if (end == LeadershipEnd.Lost)
        {
            LogLostLeadership(logger, election.LeaseName);
            return ExitCodes.Failure;   // restart and stand for election again, with clean caches
        }
        return ExitCodes.Success;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SlurmJobs may collect results into volumes of {Policy}")]
    private static partial void LogResultsVolumePolicy(ILogger logger, string policy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Requests to the Kubernetes API server: {Limits}")]
    private static partial void LogKubeApiLimits(ILogger logger, KubeApiLimits limits);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving /healthz, /readyz and /metrics on port {Port}")]
    private static partial void LogServing(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the Lease {Lease}: stopping so that only the new leader acts")]
    private static partial void LogLostLeadership(ILogger logger, string lease);

    private static long? Refuse(ArgumentResult argument, string error)
    {
        argument.AddError(error);
        return null;
    }
}
