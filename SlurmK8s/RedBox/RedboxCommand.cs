using System.CommandLine;
using Microsoft.Extensions.Hosting;
using SlurmK8s.Cli;
using SlurmK8s.Os;

namespace SlurmK8s.RedBox;

/// <summary>`slurmk8s redbox`: the gRPC door to Slurm on a submit host.</summary>
internal static class RedboxCommand
{
    public static Command Create()
    {
        var socket = new Option<string>("--socket") { Description = "Unix socket to listen on (mode 0660)", DefaultValueFactory = _ => RedBoxOptions.DefaultSocket };
        var socketGroup = new Option<string?>("--socket-group") { Description = "Group (name or gid) whose members may connect to the socket" };
        var workDir = new Option<string>("--workdir") { Description = "Directory jobs are submitted from, where slurm-<id>.out lands; always served", DefaultValueFactory = _ => "/var/lib/slurmk8s/jobs" };
        var serveRoot = new Option<string[]>("--serve-root") { Description = "Another directory whose files may be read (repeatable)", AllowMultipleArgumentsPerToken = false };
        var stateDir = new Option<string>("--state-dir") { Description = "Directory for the idempotency journal", DefaultValueFactory = _ => "/var/lib/slurmk8s/redbox" };
        var pollInterval = new Option<double>("--poll-interval") { Description = "Seconds between the squeue calls that refresh every watched job", DefaultValueFactory = _ => 1.0 };
        var recoveryDays = new Option<int>("--recovery-days") { Description = "How many days of accounting to search for idempotency keys when the journal is lost", DefaultValueFactory = _ => 7 };
        var slurmBin = new Option<string>("--slurm-bin") { Description = "Directory of sbatch, squeue, … (default: PATH)", DefaultValueFactory = _ => "" };
        var logFormat = new Option<string>("--log-format") { Description = "json or text", DefaultValueFactory = _ => "json" };
        logFormat.AcceptOnlyFromAmong("json", "text");
        var allowRoot = new Option<bool>("--allow-root") { Description = "Run as root (jobs then run as root): for throw-away test machines only" };

        var command = new Command("redbox", "Serve Slurm (sbatch, squeue, scontrol, scancel, sacct, sinfo) over gRPC on a Unix socket; run on each submit host")
        {
            socket, socketGroup, workDir, serveRoot, stateDir, pollInterval, recoveryDays, slurmBin, logFormat, allowRoot,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var seconds = result.GetValue(pollInterval);
            if (seconds <= 0)
            {
                await Console.Error.WriteLineAsync("--poll-interval must be more than 0 seconds").ConfigureAwait(false);
                return ExitCodes.BadUsage;
            }
            var options = new RedBoxOptions
            {
                SocketPath = result.GetValue(socket)!,
                SocketGroup = result.GetValue(socketGroup),
                WorkDir = Path.GetFullPath(result.GetValue(workDir)!),
                ServeRoots = (result.GetValue(serveRoot) ?? []).Select(Path.GetFullPath).ToList(),
                StateDir = result.GetValue(stateDir)!,
                PollInterval = TimeSpan.FromSeconds(seconds),
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
            await Console.Error.WriteLineAsync("red-box refuses to run as root: jobs would run as root. Run it as a dedicated service user "
                + "(see manifests/redbox.service), or pass --allow-root on a throw-away test machine.").ConfigureAwait(false);
            return ExitCodes.RefusedRoot;
        }
        if (!Directory.Exists(options.WorkDir))
        {
            await Console.Error.WriteLineAsync($"--workdir {options.WorkDir} does not exist: create it, owned by red-box's user").ConfigureAwait(false);
            return ExitCodes.BadUsage;
        }
        if (options.SocketGroup is { } group && Libc.GroupId(group) is null)
        {
            await Console.Error.WriteLineAsync($"--socket-group {group}: no such group in /etc/group").ConfigureAwait(false);
            return ExitCodes.BadUsage;
        }

        var app = await RedBoxServer.StartAsync(options, new ProcessRunner(), cancellationToken).ConfigureAwait(false);
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
