using System.Diagnostics;
using System.Globalization;
using SlurmK8s.Os;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// The second, independent single-machine cluster WITHOUT accounting that `scripts/slurm.sh up-noacct` runs beside the
/// main one (its own ports, state and slurm.conf; only munge is shared). Slurm commands reach it with SLURM_CONF.
/// </summary>
internal static class NoAccountingSlurm
{
    public const string ConfPath = "/etc/slurm-noacct/slurm.conf";

    /// <summary>Its MinJobAge, as scripts/slurm.sh sets it (SLURM_NOACCT_MIN_JOB_AGE, default 10).</summary>
    public static int MinJobAgeSeconds { get; } =
        int.TryParse(System.Environment.GetEnvironmentVariable("SLURM_NOACCT_MIN_JOB_AGE"), CultureInfo.InvariantCulture, out var seconds) ? seconds : 10;

    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string> { ["SLURM_CONF"] = ConfPath };

    /// <summary>Starts it if it is not up (idempotent and fast when it is) and waits until its node is idle.</summary>
    public static Task UpAsync() => ScriptAsync("up-noacct");

    /// <summary>Cancels its jobs and stops its daemons; config and state stay.</summary>
    public static Task DownAsync() => ScriptAsync("down-noacct");

    /// <summary>Stops it and removes its config and state.</summary>
    public static Task PurgeAsync() => ScriptAsync("purge-noacct");

    /// <summary>Runs a Slurm command against this cluster (argument array, no shell; SLURM_CONF set for that command only).</summary>
    public static Task<ProcessResult> RunAsync(string command, params string[] args) =>
        Command.RunAsync("env", [$"SLURM_CONF={ConfPath}", command, .. args]);

    /// <summary>Whether its squeue still knows the job (false once MinJobAge and the purge timer have passed).</summary>
    public static async Task<bool> InSqueueAsync(long jobId)
    {
        var result = await RunAsync("squeue", "--noheader", "--states=all", $"--jobs={jobId}", "--Format=JobID");
        return result.Succeeded && result.StandardOutput.Trim().Length > 0;
    }

    /// <summary>The ids of the jobs its squeue knows whose comment is <paramref name="comment"/>.</summary>
    /// <summary>The ids of the jobs in squeue that carry red-box's mark for this idempotency key.</summary>
    public static async Task<IReadOnlyList<string>> JobsWithKeyAsync(string key)
    {
        var mark = "." + SlurmK8s.RedBox.Scoping.CallScope.KeyHash(key);
        var result = await RunAsync("squeue", "--noheader", "--states=all", "--format=%i|%k");
        Assert.That(result.ExitCode, Is.Zero, result.StandardError);
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split('|')).Where(f => f.Length == 2 && f[1].StartsWith(SlurmK8s.RedBox.Scoping.CallScope.CommentPrefix, StringComparison.Ordinal) && f[1].EndsWith(mark, StringComparison.Ordinal)).Select(f => f[0]).ToList();
    }

    /// <summary>Waits until squeue no longer knows the job, and returns how long that took.</summary>
    public static async Task<TimeSpan> WaitUntilGoneFromSqueueAsync(long jobId)
    {
        var clock = Stopwatch.StartNew();
        while (await InSqueueAsync(jobId))
        {
            // MinJobAge plus 22.05's purge timer (it runs about once a minute).
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(MinJobAgeSeconds + 120)), $"job {jobId} still in squeue");
            await Task.Delay(500);
        }
        return clock.Elapsed;
    }

    private static async Task ScriptAsync(string verb)
    {
        var result = await RepositoryFiles.RunScriptAsync("slurm.sh", verb);
        TestContext.Progress.WriteLine(result.StandardError.Trim());
    }
}
