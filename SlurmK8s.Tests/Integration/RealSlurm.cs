using SlurmK8s.Os;
using SlurmK8s.RedBox.Scoping;

namespace SlurmK8s.Tests.Integration;

/// <summary>The real single-machine Slurm that scripts/slurm.sh installs and starts.</summary>
internal static class RealSlurm
{
    /// <summary>Starts Slurm if it is not up (idempotent and fast when it is).</summary>
    public static Task EnsureUpAsync() => RepositoryFiles.RunScriptAsync("slurm.sh", "up");

    /// <summary>Whether squeue still knows the job (false once MinJobAge has passed).</summary>
    public static async Task<bool> InSqueueAsync(long jobId)
    {
        var result = await Command.RunAsync("squeue", "--noheader", "--states=all", $"--jobs={jobId}", "--Format=JobID");
        return result.Succeeded && result.StandardOutput.Trim().Length > 0;
    }

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

    /// <summary>The job's accounting fields (sacct --parsable2), waiting until slurmdbd has the job.</summary>
    public static async Task<string> AccountingFieldsAsync(long jobId, string fields)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var result = await Command.RunAsync("sacct", "--allocations", "--noheader", "--parsable2", $"--jobs={jobId}", $"--format={fields}");
            var line = result.StandardOutput.Trim();
            if (line.Length > 0 || DateTime.UtcNow > deadline)
            {
                return line;
            }
            await Task.Delay(500);
        }
    }

    /// <summary>How many jobs (waiting a little: slurmdbd hears of new jobs a moment late), of any user, over the last day) carry red-box's mark for this idempotency key, whoever's scope it was in.</summary>
    public static async Task<int> JobsWithKeyAsync(string key)
    {
        var mark = "." + CallScope.KeyHash(key);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var result = await Command.RunAsync("sacct", "--allusers", "--allocations", "--noheader", "--parsable2", "--starttime=now-1days", "--format=JobIDRaw,Comment");
            var count = result.StandardOutput.Split('\n').Count(l => l.Contains("|" + CallScope.CommentPrefix, StringComparison.Ordinal) && l.EndsWith(mark, StringComparison.Ordinal));
            if (count > 0 || DateTime.UtcNow > deadline)
            {
                return count;
            }
            await Task.Delay(500);
        }
    }

}

/// <summary>Counts each program a red-box runs, to prove how many Slurm calls something costs.</summary>
internal sealed class CountingProcessRunner(IProcessRunner inner) : IProcessRunner
{
    private readonly Dictionary<string, int> _counts = [];

    public int Count(string command)
    {
        lock (_counts)
        {
            return _counts.GetValueOrDefault(command);
        }
    }

    public Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken,
        UnixUser? runAs = null)
    {
        lock (_counts)
        {
            var name = Path.GetFileName(fileName);
            _counts[name] = _counts.GetValueOrDefault(name) + 1;
        }
        return inner.RunAsync(fileName, arguments, standardInput, cancellationToken, runAs);
    }
}
