using System.CommandLine;
using Microsoft.Extensions.Hosting;
using SlurmK8s.Cli;
using k8s.Exceptions;
using Microsoft.AspNetCore.Builder;
using SlurmK8s.Os;
using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.RedBoxClient;

namespace SlurmK8s.RedBox;

/// <summary>`slurmk8s redbox`: the gRPC door to Slurm on a submit host.</summary>
internal static class RedBoxCommand
{
    public static Command Create()
    {
        var socket = SharedOptions.Socket("where it listens (mode 0660)");
        var socketGroup = new Option<string?>("--socket-group") { Description = "Group (name or gid) whose members may connect to the socket" };
        var tenants = new Option<string>("--tenants") { Description = "The tenancy file: which namespaces and host uids may call, and as which Unix user, Slurm account and work root their jobs run (followed live)", DefaultValueFactory = _ => RedBoxOptions.DefaultTenancyFile };
        var kubeconfig = SharedOptions.Kubeconfig(without: "no pods are watched and only host processes can call; red-box needs get/list/watch pods on this node, nothing more");
        var nodeName = new Option<string>("--node-name") { Description = "This submit host's Kubernetes node name: pods on it may call", DefaultValueFactory = _ => Environment.MachineName };
        var stateDir = new Option<string>("--state-dir") { Description = "Directory for the idempotency journal", DefaultValueFactory = _ => "/var/lib/slurmk8s/redbox" };
        var pollInterval = new Option<double>("--poll-interval") { Description = "Seconds between the squeue calls that refresh every watched job", DefaultValueFactory = _ => 1.0 };
        var quickPollInterval = new Option<double>("--quick-poll-interval")
        {
            Description = "Seconds between those squeue calls for 3 s after a job was submitted or changed state (it starts at slurmctld's next scheduling pass; a short job ends soon after); 0 turns quick polls off",
            DefaultValueFactory = _ => 0.25,
        };
        var recoveryDays = new Option<int>("--recovery-days") { Description = "How many days of accounting to search for idempotency keys when the journal is lost", DefaultValueFactory = _ => 7 };
        var slurmBin = new Option<string>("--slurm-bin") { Description = "Directory of sbatch, squeue, … (default: PATH)", DefaultValueFactory = _ => "" };
        var logFormat = SharedOptions.LogFormat();
        var allowRoot = new Option<bool>("--allow-root") { Description = "Run as root (red-box needs only CAP_SETUID and CAP_SETGID): for throw-away test machines only" };

        var command = new Command("redbox", "Serve Slurm (sbatch, squeue, scontrol, scancel, sacct, sinfo) over gRPC on a Unix socket; run on each submit host")
        {
            AskCommand.Create(),
            socket, socketGroup, tenants, kubeconfig, nodeName, stateDir, pollInterval, quickPollInterval, recoveryDays, slurmBin, logFormat, allowRoot,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var seconds = result.GetValue(pollInterval);
            if (seconds <= 0)
            {
                await Console.Error.WriteLineAsync("--poll-interval must be more than 0 seconds").ConfigureAwait(false);
                return ExitCodes.BadUsage;
            }
            var quickSeconds = result.GetValue(quickPollInterval);
            if (quickSeconds < 0)
            {
                await Console.Error.WriteLineAsync("--quick-poll-interval must be 0 (off) or more").ConfigureAwait(false);
                return ExitCodes.BadUsage;
            }
            var options = new RedBoxOptions
            {
                SocketPath = result.GetValue(socket)!,
                SocketGroup = result.GetValue(socketGroup),
                TenancyFile = Path.GetFullPath(result.GetValue(tenants)!),
                Kubeconfig = result.GetValue(kubeconfig),
                NodeName = result.GetValue(nodeName)!,
                StateDir = result.GetValue(stateDir)!,
                PollInterval = TimeSpan.FromSeconds(seconds),
                QuickPollInterval = TimeSpan.FromSeconds(quickSeconds),
                RecoveryWindow = TimeSpan.FromDays(result.GetValue(recoveryDays)),
                SlurmBinDir = result.GetValue(slurmBin)!,
                JsonLogs = result.GetValue(logFormat) == "json",
            };
            return await RunAsync(options, result.GetValue(allowRoot), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> RunAsync(RedBoxOptions options, bool allowRoot, CancellationToken cancellationToken)
    {
        if (Libc.GetEffectiveUserId() == 0 && !allowRoot)
        {
            await Console.Error.WriteLineAsync("red-box refuses to run as root: it needs only CAP_SETUID and CAP_SETGID. Run it as a dedicated service user "
                + "with those two capabilities (see manifests/redbox.service), or pass --allow-root on a throw-away test machine.").ConfigureAwait(false);
            return ExitCodes.RefusedRoot;
        }
        if (options.SocketGroup is { } group && Libc.GroupId(group) is null)
        {
            await Console.Error.WriteLineAsync($"--socket-group {group}: no such group in /etc/group").ConfigureAwait(false);
            return ExitCodes.BadUsage;
        }

        WebApplication? app;
        try
        {
            app = await RedBoxServer.StartAsync(options, new ProcessRunner(), cancellationToken).ConfigureAwait(false);
        }
        catch (TenancyFileException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return ExitCodes.BadUsage;
        }
        catch (KubeConfigException e)
        {
            await Console.Error.WriteLineAsync($"--kubeconfig: {e.Message}").ConfigureAwait(false);
            return ExitCodes.BadUsage;
        }
        if (app is null)
        {
            await Console.Error.WriteLineAsync($"a red-box already answers on {options.SocketPath}: stop it first, or pass another --socket").ConfigureAwait(false);
            return ExitCodes.AlreadyRunning;
        }
        await using (app.ConfigureAwait(false))
        {
            // Returns on SIGTERM/SIGINT: the host stops Kestrel (in-flight calls finish) and the poller.
            await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        }
        File.Delete(options.SocketPath);
        return ExitCodes.Success;
    }
}
