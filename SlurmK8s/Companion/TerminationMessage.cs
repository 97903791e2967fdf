using System.Globalization;
using SlurmK8s.Cli;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Companion;

/// <summary>
/// The companion's last word: one line saying how it ended, written where Kubernetes reads a container's termination
/// message (the pod's terminationMessagePath), so the pod's status, and the SlurmJob condition the operator derives from
/// it, say "Slurm job 42 FAILED …" rather than the tail of a log.
/// </summary>
internal static class TerminationMessage
{
    /// <summary>Kubernetes' default terminationMessagePath.</summary>
    public const string DefaultPath = "/dev/termination-log";

    /// <summary>Longest summary written (Kubernetes keeps up to 4096 bytes; a condition message should read at a glance).</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// Pure: one line, at most <see cref="MaxLength"/> characters, saying how the companion ended.
    /// </summary>
    /// <param name="exitCode">The companion's exit code (<see cref="ExitCodes"/>).</param>
    /// <param name="outcome">What the session told; facts it did not tell are taken from the exit code and <paramref name="lastProblem"/>.</param>
    /// <param name="lastProblem">The last error (else warning) logged, if any.</param>
    public static string Summarize(int exitCode, CompanionOutcome? outcome, string? lastProblem)
    {
        var job = outcome?.Final is { } final ? Describe(final) : null;
        var id = outcome?.SlurmJobId is { } known ? $"Slurm job {known.ToString(CultureInfo.InvariantCulture)}" : "the Slurm job";
        var summary = exitCode switch
        {
            ExitCodes.Success => job ?? "the Slurm job COMPLETED",
            ExitCodes.JobFailed => job ?? "the Slurm job ended FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY or was lost (the SlurmJob's status says which)",
            ExitCodes.JobCancelled => job ?? (outcome?.SlurmJobId is null
                ? "cancelled: the SlurmJob was deleted" + (lastProblem is null ? "" : $" ({lastProblem})")
                : $"{id} CANCELLED"),
            ExitCodes.SubmitRefused => "red-box refused the script: " + (outcome?.SubmitRefusal ?? lastProblem ?? "no reason given"),
            ExitCodes.ResultsNotWritable => (job is null ? "" : job + "; ") + "results not collected: " + (outcome?.ResultsProblem ?? lastProblem ?? "the results directory cannot be written"),
            ExitCodes.ResultsIncomplete => (job ?? "the Slurm job COMPLETED") + "; results incomplete: " + (outcome?.ResultsProblem ?? lastProblem ?? "some result files were not found"),
            ExitCodes.Terminated => outcome?.SlurmJobId is null
                ? "stopped (SIGTERM) before a Slurm job was submitted"
                : $"stopped (SIGTERM) before the job ended; {id} keeps running for the next companion",
            ExitCodes.BadUsage => "bad usage: " + (lastProblem ?? "see the companion's log"),
            _ => (job is null ? "" : job + "; ") + "failed: " + (outcome?.Failure ?? lastProblem ?? $"exit code {exitCode.ToString(CultureInfo.InvariantCulture)}"),
        };
        return Shorten(HumanConsoleFormatter.OneLine(summary));
    }

    /// <summary>
    /// Writes <paramref name="message"/> to <paramref name="path"/>; false (and nothing written) when it cannot be. The
    /// default path is only written when it exists (the kubelet creates it in a container): run on a host, the companion
    /// leaves /dev alone. Another path is created. An empty path writes nothing.
    /// </summary>
    public static bool TryWrite(string? path, string message)
    {
        if (string.IsNullOrEmpty(path) || (path == DefaultPath && !File.Exists(path)))
        {
            return false;
        }
        try
        {
            File.WriteAllText(path, message);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>"Slurm job 42 FAILED (script exit code 1, signal 9; NonZeroExitCode)".</summary>
    private static string Describe(Proto.Job final)
    {
        var state = final.SlurmState is { Length: > 0 } word ? word : final.State.ToString().ToUpperInvariant();
        var details = new List<string>();
        if (final.State != Proto.JobState.Unknown)
        {
            details.Add($"script exit code {final.ExitCode.ToString(CultureInfo.InvariantCulture)}");
        }
        if (final.Signal != 0)
        {
            details.Add($"signal {final.Signal.ToString(CultureInfo.InvariantCulture)}");
        }
        var reason = final.Reason is { Length: > 0 } r && r != "None" ? $"; {r}" : "";
        var inParentheses = details.Count > 0 || reason.Length > 0 ? $" ({string.Join(", ", details)}{reason})" : "";
        return $"Slurm job {final.JobId.ToString(CultureInfo.InvariantCulture)} {state}{inParentheses.Replace("(; ", "(", StringComparison.Ordinal)}";
    }

    private static string Shorten(string line) => line.Length <= MaxLength ? line : line[..(MaxLength - 1)].TrimEnd() + "…";
}
