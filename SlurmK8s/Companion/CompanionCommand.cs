using System.CommandLine;
using k8s;
using Microsoft.Extensions.Logging;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Cli;
using SlurmK8s.Kube;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxClient;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.Companion;

/// <summary>`slurmk8s companion`: runs in a SlurmJob's pod; its hand on the Slurm submit host.</summary>
internal static class CompanionCommand
{
    public static Command Create()
    {
        var socket = SharedOptions.Socket("a hostPath mount in the pod");
        var ns = new Option<string?>("--namespace") { Description = "The SlurmJob's namespace (default: $POD_NAMESPACE)", DefaultValueFactory = _ => Env("POD_NAMESPACE") };
        var slurmJob = new Option<string?>("--slurmjob") { Description = "The SlurmJob's name (default: $SLURMJOB_NAME)", DefaultValueFactory = _ => Env("SLURMJOB_NAME") };
        var podName = new Option<string?>("--pod-name") { Description = "This pod's name, from the downward API (default: $POD_NAME)", DefaultValueFactory = _ => Env("POD_NAME") };
        var resultsDir = new Option<string?>("--results-dir") { Description = "Where the SlurmJob's results.mount is mounted; results go to <dir>/<pod-name>/ (omit when the SlurmJob has no results.mount)" };
        var kubeconfig = SharedOptions.Kubeconfig(fromEnvironment: true);
        var logFormat = SharedOptions.LogFormat("logs go to stderr; stdout carries the job's output");

        var command = new Command("companion", "Runs in a SlurmJob's pod: submits through red-box, streams output, collects results")
        {
            socket, ns, slurmJob, podName, resultsDir, kubeconfig, logFormat,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var missing = new (string? Value, string Flag, string Env)[]
            {
                (result.GetValue(ns), "--namespace", "POD_NAMESPACE"),
                (result.GetValue(slurmJob), "--slurmjob", "SLURMJOB_NAME"),
                (result.GetValue(podName), "--pod-name", "POD_NAME"),
            }.Where(o => string.IsNullOrWhiteSpace(o.Value)).ToList();
            if (missing.Count > 0)
            {
                await Console.Error.WriteLineAsync(string.Join("\n", missing.Select(m => $"{m.Flag} is required: pass it, or set ${m.Env} (the operator sets it on the pod)")))
                    .ConfigureAwait(false);
                return ExitCodes.BadUsage;
            }
            var options = new CompanionOptions
            {
                Namespace = result.GetValue(ns)!,
                SlurmJobName = result.GetValue(slurmJob)!,
                PodName = result.GetValue(podName)!,
                ResultsDir = result.GetValue(resultsDir) is { Length: > 0 } dir ? Path.GetFullPath(dir) : null,
            };
            return await RunAsync(options, result.GetValue(socket)!, result.GetValue(kubeconfig), result.GetValue(logFormat) == "json", cancellationToken)
                .ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> RunAsync(CompanionOptions options, string socketPath, string? kubeconfigPath, bool jsonLogs, CancellationToken cancellationToken)
    {
        // Before any client exists: KubernetesClient takes its JSON options as they are when the client is made.
        ApiJson.Register();
        if (await KubeConfig.LoadOrExplainAsync(kubeconfigPath is { Length: > 0 } ? kubeconfigPath : null).ConfigureAwait(false) is not { } config)
        {
            return ExitCodes.BadUsage;
        }

        // stdout is the job's output (kubectl logs); the companion's own words go to stderr.
        using var loggers = ConsoleLogging.Create(jsonLogs, toStandardError: true);
        using var kubernetes = new Kubernetes(config);
        using var connection = RedBoxConnection.Connect(socketPath);
        var redBox = connection.RedBox;
        var kube = new KubeApi(kubernetes, options.PodName, logger: loggers.CreateLogger<KubeApi>());
        await using var stdout = Console.OpenStandardOutput();
        var session = new CompanionSession(redBox, kube, options, stdout, loggers);
        return await session.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
