using SlurmK8s.Os;
using SlurmK8s.RedBox.Scoping;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>
/// The second Slurm cluster (scripts/slurm.sh up-second: ClusterName second, what node 2's red-box submits to) as seen
/// from the host: its own commands through SLURM_CONF=/etc/slurm-second/slurm.conf.
/// </summary>
internal static class SecondSlurm
{
    public const string ClusterName = "second";
    public const string MainClusterName = "slurmk8s";
    private const string Conf = "SLURM_CONF=/etc/slurm-second/slurm.conf";

    private static Task<ProcessResult> RunAsync(params string[] command) => Command.RunAsync("env", [Conf, .. command]);

    /// <summary>Slurm's state word for the job: squeue while it knows the job, else sacct.</summary>
    public static async Task<string> StateAsync(long jobId)
    {
        var squeue = await RunAsync("squeue", "--noheader", "--states=all", $"--jobs={jobId}", "--format=%T");
        if (squeue.Succeeded && squeue.StandardOutput.Trim() is { Length: > 0 } state)
        {
            return state;
        }
        var sacct = await RunAsync("sacct", "--allusers", "--allocations", "--noheader", "--parsable2", $"--jobs={jobId}", "--format=State");
        return sacct.StandardOutput.Trim().Split(' ')[0];
    }

    /// <summary>The GRES Slurm allocated to a job it still knows (scontrol's line, e.g. "gres/gpu:1"; empty if none).</summary>
    public static async Task<string> JobLineAsync(long jobId) =>
        (await RunAsync("scontrol", "show", "job", "-o", jobId.ToString(System.Globalization.CultureInfo.InvariantCulture))).StandardOutput;

    /// <summary>How many jobs of the second cluster's accounting (any user, the last day) carry red-box's mark for this key.</summary>
    public static async Task<int> JobsWithKeyAsync(string key)
    {
        var mark = "." + CallScope.KeyHash(key);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var result = await RunAsync("sacct", "--allusers", "--allocations", "--noheader", "--parsable2", "--starttime=now-1days", "--format=JobIDRaw,Comment");
            var count = result.StandardOutput.Split('\n').Count(l => l.Contains("|" + CallScope.CommentPrefix, StringComparison.Ordinal) && l.EndsWith(mark, StringComparison.Ordinal));
            if (count > 0 || DateTime.UtcNow > deadline)
            {
                return count;
            }
            await Task.Delay(500);
        }
    }
}
