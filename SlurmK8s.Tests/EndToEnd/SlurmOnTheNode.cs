using SlurmK8s.RedBox;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>The local Slurm as seen from the host (the tests run as root beside it): what Slurm itself says about a job.</summary>
internal static class SlurmOnTheNode
{
    /// <summary>Slurm's reason for a pending job (BeginTime, Resources, …).</summary>
    public static async Task<string> PendingReasonAsync(long jobId) =>
        (await Command.RunAsync("squeue", "--noheader", $"--jobs={jobId}", "--format=%r")).StandardOutput.Trim();

    /// <summary>How many Slurm jobs carry this SlurmJob's idempotency key (its UID) in their comment, in accounting.</summary>
    public static Task<int> JobsForAsync(string slurmJobUid) => RealSlurm.JobsWithKeyAsync(slurmJobUid);
}
