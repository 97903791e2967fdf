using System.Text;
using SlurmK8s.Slurm.Parsing;

namespace SlurmK8s.Slurm;

/// <summary>
/// What red-box knows of one job id: the job itself, or for an array the whole array with its tasks
/// (state aggregated: unfinished while any task runs; COMPLETED only when every task COMPLETED).
/// </summary>
internal sealed record JobSnapshot(JobRecord Job, IReadOnlyList<JobRecord> Tasks)
{
    public long JobId => Job.JobId;

    public bool IsFinished => Job.State.IsFinished() || Job.State == JobState.Unknown;

    /// <summary>A job neither squeue nor accounting knows.</summary>
    public static JobSnapshot Unknown(long jobId, string reason) =>
        new(new JobRecord { JobId = jobId, State = JobState.Unknown, SlurmState = "UNKNOWN", Reason = reason }, []);

    /// <summary>Changes whenever anything a watcher cares about changes.</summary>
    public string ChangeKey
    {
        get
        {
            var key = new StringBuilder();
            Append(key, Job);
            foreach (var task in Tasks)
            {
                Append(key, task);
            }
            return key.ToString();

            static void Append(StringBuilder key, JobRecord r) =>
                key.Append(r.JobId).Append('/').Append(r.ArrayTaskId).Append('/').Append(r.SlurmState).Append('/').Append(r.Reason)
                   .Append('/').Append(r.ExitCode).Append(':').Append(r.Signal).Append('/').Append(r.NodeList)
                   .Append('/').Append(r.StartTime?.ToUnixTimeSeconds()).Append('/').Append(r.EndTime?.ToUnixTimeSeconds()).Append(';');
        }
    }

    /// <summary>The snapshot of each id (null where no row concerns it), indexing the rows once rather than scanning them per id.</summary>
    public static Dictionary<long, JobSnapshot?> ComposeAll(IEnumerable<long> jobIds, IEnumerable<JobRecord> rows)
    {
        // A row speaks for its own id and, as an array task, for its array's id.
        var byId = rows.SelectMany(r => r.ArrayJobId is { } array && array != r.JobId ? new[] { (r.JobId, r), (array, r) } : [(r.JobId, r)])
                       .ToLookup(p => p.Item1, p => p.r);
        return jobIds.Distinct().ToDictionary(id => id, id => Compose(id, byId[id]));
    }

    /// <summary>Builds the snapshot of <paramref name="jobId"/> from rows of squeue or sacct; null when no row concerns it.</summary>
    public static JobSnapshot? Compose(long jobId, IEnumerable<JobRecord> rows)
    {
        var mine = rows.Where(r => r.Concerns(jobId)).ToList();
        if (mine.Count == 0)
        {
            return null;
        }
        if (!mine.Any(r => r.ArrayJobId == jobId))
        {
            return new JobSnapshot(WithOutputPath(mine.First(r => r.JobId == jobId)), []);
        }

        var tasks = new List<JobRecord>();
        foreach (var row in mine.Where(r => r.ArrayJobId == jobId))
        {
            if (row.ArrayTaskId is not null)
            {
                tasks.Add(WithOutputPath(row));
            }
            else
            {
                // One record stands for every task not yet started: expand it. A task's output path is known once it has started.
                tasks.AddRange(SlurmValues.ExpandArrayIndexes(row.PendingArrayTasks)
                    .Select(index => row with { JobId = 0, ArrayTaskId = index, PendingArrayTasks = null, StdOut = "" }));
            }
        }
        tasks = tasks.DistinctBy(t => t.ArrayTaskId).OrderBy(t => t.ArrayTaskId).ToList();
        return new JobSnapshot(Aggregate(jobId, mine, tasks), tasks);
    }

    private static JobRecord Aggregate(long jobId, List<JobRecord> rows, List<JobRecord> tasks)
    {
        var template = rows.FirstOrDefault(r => r.JobId == jobId) ?? rows[0];
        var unfinished = tasks.Where(t => !t.State.IsFinished()).ToList();
        var firstBad = tasks.FirstOrDefault(t => t.State != JobState.Completed);
        JobRecord deciding = unfinished.Count > 0
            ? unfinished.FirstOrDefault(t => t.State is JobState.Running or JobState.Completing or JobState.Suspended) ?? unfinished[0]
            : firstBad ?? tasks[^1];
        var finished = unfinished.Count == 0;
        return template with
        {
            JobId = jobId,
            ArrayJobId = jobId,
            ArrayTaskId = null,
            PendingArrayTasks = null,
            State = deciding.State,
            SlurmState = deciding.SlurmState,
            Reason = deciding.Reason,
            ExitCode = firstBad?.ExitCode ?? 0,
            Signal = firstBad?.Signal ?? 0,
            SubmitTime = tasks.Min(t => t.SubmitTime),
            StartTime = tasks.Min(t => t.StartTime),
            EndTime = finished ? tasks.Max(t => t.EndTime) : null,
            NodeList = string.Join(",", tasks.Select(t => t.NodeList).Where(n => n.Length > 0).Distinct()),
            // Each task's is on the task; the array's is its first started task's.
            StdOut = tasks.FirstOrDefault(t => t.StdOut.Length > 0)?.StdOut ?? "",
        };
    }

    /// <summary>
    /// This snapshot with the output paths <paramref name="earlier"/> had where it had them. Accounting does not know
    /// a job's --output: a path squeue showed stays the job's once the job has left squeue.
    /// </summary>
    public JobSnapshot KeepingOutputPathsOf(JobSnapshot? earlier)
    {
        if (earlier is null)
        {
            return this;
        }
        var known = earlier.Tasks.Where(t => t.StdOut.Length > 0).ToDictionary(t => t.ArrayTaskId ?? 0, t => t.StdOut);
        return new JobSnapshot(
            earlier.Job.StdOut.Length > 0 ? Job with { StdOut = earlier.Job.StdOut } : Job,
            [.. Tasks.Select(t => known.TryGetValue(t.ArrayTaskId ?? 0, out var path) ? t with { StdOut = path } : t)]);
    }

    private static JobRecord WithOutputPath(JobRecord row) => row with { StdOut = SlurmOutputPath.Of(row) };
}
