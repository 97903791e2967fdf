using System.CommandLine;
using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Logging;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Cli;
using SlurmK8s.Kube;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxClient;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.Companion;

/// <summary>`slurmk8s companion`: runs in a SlurmJob's pod; its hand on the Slurm submit host.</summary>
internal static partial class CompanionCommand
{
    public static Command Create()
    {
        var socket = SharedOptions.Socket("a hostPath mount in the pod");
        var ns = new Option<string?>("--namespace") { Description = "The SlurmJob's namespace (default: $POD_NAMESPACE)", DefaultValueFactory = _ => Env("POD_NAMESPACE") };
        var slurmJob = new Option<string?>("--slurmjob") { Description = "The SlurmJob's name (default: $SLURMJOB_NAME)", DefaultValueFactory = _ => Env("SLURMJOB_NAME") };
        var podName = new Option<string?>("--pod-name") { Description = "This pod's name, from the downward API (default: $POD_NAME)", DefaultValueFactory = _ => Env("POD_NAME") };
        var nodeName = new Option<string?>("--node-name") { Description = "The node this pod runs on, named when red-box does not answer (default: $NODE_NAME, from the downward API)", DefaultValueFactory = _ => Env("NODE_NAME") };
        var outageAfter = new Option<double>("--outage-after")
        {
            Description = "Seconds red-box (or Slurm behind it) may not answer before status.companion.outage reports it",
            DefaultValueFactory = _ => 60,
        };
        var resultsDir = new Option<string?>("--results-dir") { Description = "Where the SlurmJob's results.mount is mounted; results go to <dir>/<pod-name>/ (omit when the SlurmJob has no results.mount)" };
        var kubeconfig = SharedOptions.Kubeconfig(fromEnvironment: true);
        // The companion's own words: on stderr (stdout carries the job's output), and its last word in the termination message.
        var logFormat = SharedOptions.LogFormat("on stderr, as stdout carries the job's output", humanByDefault: true);
        var terminationMessagePath = new Option<string>("--termination-message-path")
        {
            Description = "Where to write a one-line summary on exit (the container's terminationMessagePath; the default is only written when it exists; \"\" for none)",
            DefaultValueFactory = _ => TerminationMessage.DefaultPath,
        };

        var command = new Command("companion", "Runs in a SlurmJob's pod: submits through red-box, streams output, collects results")
        {
            socket, ns, slurmJob, podName, nodeName, outageAfter, resultsDir, kubeconfig, logFormat, terminationMessagePath,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var format = result.GetValue(logFormat) switch { "json" => LogFormat.Json, "text" => LogFormat.Text, _ => LogFormat.Human };
            return await RunLoggedAsync(format, result.GetValue(terminationMessagePath), (loggers, outcome) => StartAsync(result, loggers, outcome, cancellationToken),
                cancellationToken).ConfigureAwait(false);
        });
        return command;

        async Task<int> StartAsync(ParseResult result, ILoggerFactory loggers, CompanionOutcome outcome, CancellationToken cancellationToken)
        {
            var missing = new (string? Value, string Flag, string Env)[]
            {
                (result.GetValue(ns), "--namespace", "POD_NAMESPACE"),
                (result.GetValue(slurmJob), "--slurmjob", "SLURMJOB_NAME"),
                (result.GetValue(podName), "--pod-name", "POD_NAME"),
            }.Where(o => string.IsNullOrWhiteSpace(o.Value)).ToList();
            if (missing.Count > 0)
            {
                var usage = loggers.CreateLogger(LogCategory);
                foreach (var m in missing)
                {
                    LogMissing(usage, m.Flag, m.Env);
                }
                return ExitCodes.BadUsage;
            }
            if (result.GetValue(outageAfter) is var seconds && (seconds < 0 || !double.IsFinite(seconds)))
            {
                LogBadOutageAfter(loggers.CreateLogger(LogCategory), seconds);
                return ExitCodes.BadUsage;
            }
            var options = new CompanionOptions
            {
                Namespace = result.GetValue(ns)!,
                SlurmJobName = result.GetValue(slurmJob)!,
                PodName = result.GetValue(podName)!,
                ResultsDir = result.GetValue(resultsDir) is { Length: > 0 } dir ? Path.GetFullPath(dir) : null,
                SocketPath = result.GetValue(socket)!,
                NodeName = result.GetValue(nodeName),
                OutageAfter = TimeSpan.FromSeconds(result.GetValue(outageAfter)),
            };
            return await RunAsync(options, result.GetValue(socket)!, result.GetValue(kubeconfig), loggers, outcome, cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="run"/> with the companion's loggers (stderr: stdout is the job's output) and, however it ends,
    /// writes the one-line summary to <paramref name="terminationMessagePath"/>. A failure nobody caught is logged on one
    /// line and ends in <see cref="ExitCodes.Failure"/>, so the summary and the log still say what happened.
    /// </summary>
    public static async Task<int> RunLoggedAsync(LogFormat format, string? terminationMessagePath, Func<ILoggerFactory, CompanionOutcome, Task<int>> run,
        CancellationToken cancellationToken)
    {
        var lastProblem = new LastProblemRecorder();
        var outcome = new CompanionOutcome();
        var exitCode = ExitCodes.Failure;
        using var loggers = ConsoleLogging.Create(format, toStandardError: true, lastProblem);
        var logger = loggers.CreateLogger(LogCategory);
        try
        {
            exitCode = await run(loggers, outcome).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            exitCode = ExitCodes.Terminated;
        }
        catch (Exception e)
        {
            LogCrashed(logger, e);
            exitCode = ExitCodes.Failure;
        }
        // Also the log's last line: after the job's output, how it ended.
        var summary = TerminationMessage.Summarize(exitCode, outcome, lastProblem.Last);
        LogSummary(logger, summary);
        TerminationMessage.TryWrite(terminationMessagePath, summary);
        return exitCode;
    }

    public static async Task<int> RunAsync(CompanionOptions options, string socketPath, string? kubeconfigPath, ILoggerFactory loggers, CompanionOutcome outcome, CancellationToken cancellationToken)
    {
        KubernetesClientConfiguration config;
        try
        {
            config = KubeConfig.Load(kubeconfigPath is { Length: > 0 } ? kubeconfigPath : null);
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException)
        {
            LogBadKubeconfig(loggers.CreateLogger(LogCategory), e.Message);
            return ExitCodes.BadUsage;
        }

        using var kubernetes = new KubeClient(config);
        using var connection = RedBoxConnection.Connect(socketPath);
        var redBox = connection.RedBox;
        var kube = new KubeApi(kubernetes, options.PodName, logger: loggers.CreateLogger<KubeApi>());
        await using var stdout = Console.OpenStandardOutput();
        using var session = new CompanionSession(redBox, kube, options, stdout, loggers, outcome);
        // A companion mostly waits: once its start-up's garbage is collectable, give the memory back (one per pod, ~110 a node).
        using var stopTrimming = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var trimming = MemoryTrimmer.RunAsync(loggers.CreateLogger(LogCategory), stopTrimming.Token);
        try
        {
            return await session.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stopTrimming.CancelAsync().ConfigureAwait(false);
            await trimming.ConfigureAwait(false);
        }
    }

    private const string LogCategory = "SlurmK8s.Companion.CompanionCommand";

    [LoggerMessage(Level = LogLevel.Error, Message = "{Flag} is required: pass it, or set ${Env} (the operator sets it on the pod)")]
    private static partial void LogMissing(ILogger logger, string flag, string env);

    [LoggerMessage(Level = LogLevel.Error, Message = "--outage-after must be a number of seconds, 0 or more (got {Seconds})")]
    private static partial void LogBadOutageAfter(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Problem}")]
    private static partial void LogBadKubeconfig(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The companion failed unexpectedly")]
    private static partial void LogCrashed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Summary}")]
    private static partial void LogSummary(ILogger logger, string summary);

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
