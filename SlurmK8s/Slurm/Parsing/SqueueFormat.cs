using System.Globalization;

namespace SlurmK8s.Slurm.Parsing;

/// <summary>
/// The squeue query red-box polls with: `squeue -h --states=all --jobs=… -O …` with a unit-separator delimiter.
/// Not `squeue --json`: in 22.05 it ignores --jobs and dumps every job in the cluster.
/// </summary>
internal static class SqueueFormat
{
    public const char Separator = '\x1f';

    private static readonly string[] Fields =
    [
        "JobID", "ArrayJobID", "ArrayTaskID", "Name", "UserName", "State", "Reason", "Exit_Code",
        "SubmitTime", "StartTime", "EndTime", "TimeLimit", "Partition", "NodeList", "WorkDir", "STDOUT",
        "Comment", // last: the one free-text field
    ];

    /// <summary>The -O argument: each field with the separator as its suffix and no width limit.</summary>
    public static string FormatArgument { get; } = string.Join(",", Fields.Select(f => $"{f}:{Separator}"));

    public static IReadOnlyList<JobRecord> Parse(string output)
    {
        var records = new List<JobRecord>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(Separator);
            if (f.Length < Fields.Length || !long.TryParse(f[0], CultureInfo.InvariantCulture, out var jobId))
            {
                continue;
            }
            var arrayJobId = long.TryParse(f[1], CultureInfo.InvariantCulture, out var a) ? a : 0;
            var isArray = arrayJobId != 0 && f[2] != "N/A";
            long? taskId = isArray && long.TryParse(f[2], CultureInfo.InvariantCulture, out var t) ? t : null;
            var (exit, signal) = long.TryParse(f[7], CultureInfo.InvariantCulture, out var status) ? SlurmValues.FromWaitStatus(status) : (0, 0);
            records.Add(new JobRecord
            {
                JobId = jobId,
                ArrayJobId = isArray ? arrayJobId : null,
                ArrayTaskId = taskId,
                PendingArrayTasks = isArray && taskId is null ? f[2] : null,
                Name = f[3],
                User = f[4],
                State = JobStates.Parse(f[5]),
                SlurmState = f[5],
                Reason = SlurmValues.Clean(f[6]),
                ExitCode = exit,
                Signal = signal,
                SubmitTime = SlurmValues.ParseTime(f[8]),
                StartTime = SlurmValues.ParseTime(f[9]),
                EndTime = SlurmValues.ParseTime(f[10]),
                TimeLimit = SlurmValues.ParseDuration(f[11]),
                Partition = f[12],
                NodeList = SlurmValues.Clean(f[13]),
                WorkDir = f[14],
                // As squeue prints it: the --output pattern unexpanded (SlurmOutputPath makes it the real path).
                StdOut = f[15],
                Comment = SlurmValues.Clean(f[16]),
            });
        }
        return records;
    }
}
