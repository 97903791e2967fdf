using SlurmK8s.RedBox;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>The local Slurm as seen from the host (the tests run as root beside it): what Slurm itself says about a job.</summary>
internal static class SlurmOnTheNode
{
    /// <summary>Slurm's state word for the job (RUNNING, PENDING, CANCELLED, …): squeue while it knows the job, else sacct.</summary>
    public static async Task<string> StateAsync(long jobId)
    {
        var squeue = await Command.RunAsync("squeue", "--noheader", "--states=all", $"--jobs={jobId}", "--format=%T");
        if (squeue.Succeeded && squeue.StandardOutput.Trim() is { Length: > 0 } state)
        {
            return state;
        }
        var sacct = await Command.RunAsync("sacct", "--allusers", "--allocations", "--noheader", "--parsable2", $"--jobs={jobId}", "--format=State");
        return sacct.StandardOutput.Trim().Split(' ')[0];
    }

    /// <summary>Slurm's reason for a pending job (BeginTime, Resources, …).</summary>
    public static async Task<string> PendingReasonAsync(long jobId) =>
        (await Command.RunAsync("squeue", "--noheader", $"--jobs={jobId}", "--format=%r")).StandardOutput.Trim();

    /// <summary>How many Slurm jobs carry this SlurmJob's idempotency key (its UID) in their comment, in accounting.</summary>
    public static Task<int> JobsForAsync(string slurmJobUid) => RealSlurm.JobsWithKeyAsync(slurmJobUid);
}
