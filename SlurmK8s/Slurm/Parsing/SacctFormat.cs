using System.Globalization;

namespace SlurmK8s.Slurm.Parsing;

/// <summary>
/// The sacct queries red-box falls back to once jobs have left squeue (after MinJobAge).
/// Exit codes come from the text format: 22.05's `sacct --json` reports them wrongly.
/// </summary>
internal static class SacctFormat
{
    public const char Separator = '\x1f';

    public const string JobFields = "JobID,JobIDRaw,JobName,User,State,ExitCode,Submit,Start,End,Timelimit,Partition,WorkDir,NodeList,Comment";

    public const string StepFields = "JobID,JobName,State,ExitCode,Start,End,NodeList";

    /// <summary>Parses `sacct -X --noheader --parsable2 --delimiter=US --format=<see cref="JobFields"/>`.</summary>
    public static IReadOnlyList<JobRecord> ParseJobs(string output)
    {
        var records = new List<JobRecord>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(Separator);
            if (f.Length < 14 || !long.TryParse(f[1], CultureInfo.InvariantCulture, out var rawId))
            {
                continue;
            }
            // JobID is "12" for a job, "12_3" for array task 3, "12_[4-9]" for array tasks still pending.
            long? arrayJobId = null;
            long? taskId = null;
            string? pending = null;
            var underscore = f[0].IndexOf('_', StringComparison.Ordinal);
            if (underscore > 0 && long.TryParse(f[0][..underscore], CultureInfo.InvariantCulture, out var arrayId))
            {
                arrayJobId = arrayId;
                var index = f[0][(underscore + 1)..];
                if (long.TryParse(index, CultureInfo.InvariantCulture, out var task))
                {
                    taskId = task;
                }
                else
                {
                    pending = index.Trim('[', ']');
                }
            }
            var (exit, signal) = SlurmValues.ParseExitCode(f[5]);
            records.Add(new JobRecord
            {
                JobId = rawId,
                ArrayJobId = arrayJobId,
                ArrayTaskId = taskId,
                PendingArrayTasks = pending,
                Name = f[2],
                User = f[3],
                State = JobStates.Parse(f[4]),
                SlurmState = f[4].Split(' ')[0],
                Reason = f[4].Contains(" by ", StringComparison.Ordinal) ? f[4] : "",
                ExitCode = exit,
                Signal = signal,
                SubmitTime = SlurmValues.ParseTime(f[6]),
                StartTime = SlurmValues.ParseTime(f[7]),
                EndTime = SlurmValues.ParseTime(f[8]),
                TimeLimit = SlurmValues.ParseDuration(f[9]),
                Partition = f[10],
                WorkDir = f[11],
                NodeList = SlurmValues.Clean(f[12]),
                Comment = SlurmValues.Clean(string.Join(Separator, f[13..])),
            });
        }
        return records;
    }

    /// <summary>Parses `sacct -j ID --noheader --parsable2 --delimiter=US --format=<see cref="StepFields"/>`: every row but the job's own.</summary>
    public static IReadOnlyList<StepRecord> ParseSteps(string output)
    {
        var steps = new List<StepRecord>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(Separator);
            if (f.Length < 7 || !f[0].Contains('.', StringComparison.Ordinal))
            {
                continue;
            }
            var (exit, signal) = SlurmValues.ParseExitCode(f[3]);
            steps.Add(new StepRecord(f[0], f[1], JobStates.Parse(f[2]), f[2].Split(' ')[0], exit, signal,
                SlurmValues.ParseTime(f[4]), SlurmValues.ParseTime(f[5]), SlurmValues.Clean(f[6])));
        }
        return steps;
    }
}
