using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Companion;

/// <summary>
/// Pure: what the companion's fields of a SlurmJob status should say, given what Slurm says; which of them changed
/// (the merge patch); and which events a change deserves.
/// </summary>
internal static class CompanionStatus
{
    /// <summary>The companion's fields of <paramref name="status"/> only (a copy; the operator's fields left out).</summary>
    public static SlurmJobStatus Own(SlurmJobStatus? status) => status is null ? new SlurmJobStatus() : new SlurmJobStatus
    {
        SlurmJobId = status.SlurmJobId,
        SlurmState = status.SlurmState,
        ExitCode = status.ExitCode,
        Reason = status.Reason,
        Message = status.Message,
        SubmitTime = status.SubmitTime,
        StartTime = status.StartTime,
        EndTime = status.EndTime,
        NodeList = status.NodeList,
        ArrayTasks = status.ArrayTasks is { } t
            ? new ArrayTaskCounts { Total = t.Total, Pending = t.Pending, Running = t.Running, Succeeded = t.Succeeded, Failed = t.Failed, Cancelled = t.Cancelled }
            : null,
    };

    /// <summary>The companion's fields as Slurm's view of the job says.</summary>
    public static SlurmJobStatus FromJob(Proto.Job job)
    {
        var word = StateWord(job);
        var counts = job.ArrayTasks.Count > 0 ? Count(job.ArrayTasks) : null;
        return new SlurmJobStatus
        {
            SlurmJobId = job.JobId,
            SlurmState = word,
            ExitCode = job.Finished && job.State != Proto.JobState.Unknown ? job.ExitCode : null,
            Reason = job.Reason.Length > 0 ? job.Reason : null,
            Message = Describe(job, word, counts),
            SubmitTime = job.SubmitTime?.ToDateTime(),
            StartTime = job.StartTime?.ToDateTime(),
            EndTime = job.EndTime?.ToDateTime(),
            NodeList = job.NodeList.Length > 0 ? job.NodeList : null,
            ArrayTasks = counts,
        };
    }

    /// <summary>The merge patch that turns <paramref name="current"/>'s companion fields into <paramref name="desired"/>'s; null when they agree.</summary>
    public static JsonObject? Diff(SlurmJobStatus current, SlurmJobStatus desired)
    {
        var before = ToJson(current);
        var after = ToJson(desired);
        var patch = new JsonObject();
        foreach (var field in SlurmJobStatus.CompanionFields)
        {
            var old = before[field];
            var wanted = after[field];
            if (!JsonNode.DeepEquals(old, wanted))
            {
                patch[field] = wanted?.DeepClone();
            }
        }
        return patch.Count > 0 ? patch : null;
    }

    /// <summary>The events a move from <paramref name="before"/> to <paramref name="after"/> deserves: one per change of Slurm state.</summary>
    public static IReadOnlyList<PlannedEvent> Transitions(SlurmJobStatus before, SlurmJobStatus after)
    {
        // COMPLETING and CONFIGURING are passing moments (a job on its way out or in): the status shows them, events do not.
        if (after.SlurmState is not { } state || state == before.SlurmState || state is "COMPLETING" or "CONFIGURING")
        {
            return [];
        }
        var bad = state is not ("PENDING" or "RUNNING" or "SUSPENDED" or "COMPLETED");
        var message = after.Message ?? $"Slurm job {after.SlurmJobId} is {state}";
        return [bad ? PlannedEvent.Warning(JobStates.ReasonWord(state), message) : PlannedEvent.Normal(JobStates.ReasonWord(state), message)];
    }

    private static JsonObject ToJson(SlurmJobStatus status) =>
        JsonSerializer.SerializeToNode(status, ApiJsonContext.Default.SlurmJobStatus)?.AsObject() ?? [];

    // "CANCELLED by 0" (accounting) → CANCELLED; an empty word falls back to the state red-box decoded.
    private static string StateWord(Proto.Job job)
    {
        var word = job.SlurmState.Split(' ', ',', '+')[0].Trim().ToUpperInvariant();
        return word.Length > 0 ? word : job.State.ToString().ToUpperInvariant() switch
        {
            "NODEFAIL" => "NODE_FAIL",
            "BOOTFAIL" => "BOOT_FAIL",
            "OUTOFMEMORY" => "OUT_OF_MEMORY",
            var other => other,
        };
    }

    private static ArrayTaskCounts Count(IEnumerable<Proto.ArrayTask> tasks)
    {
        var counts = new ArrayTaskCounts();
        foreach (var task in tasks)
        {
            counts.Total++;
            switch (task.State)
            {
                case Proto.JobState.Pending or Proto.JobState.Unspecified:
                    counts.Pending++;
                    break;
                case Proto.JobState.Running or Proto.JobState.Completing or Proto.JobState.Suspended:
                    counts.Running++;
                    break;
                case Proto.JobState.Completed:
                    counts.Succeeded++;
                    break;
                case Proto.JobState.Cancelled:
                    counts.Cancelled++;
                    break;
                default:
                    counts.Failed++;
                    break;
            }
        }
        return counts;
    }

    // Human words, Slurm's own where it gave some; they change only when the job's state does.
    private static string Describe(Proto.Job job, string word, ArrayTaskCounts? counts)
    {
        var what = counts is null ? $"Slurm job {job.JobId}" : $"Slurm job array {job.JobId}";
        var text = word switch
        {
            "PENDING" => $"{what} is pending" + (job.Reason.Length > 0 ? $" ({job.Reason})" : ""),
            "RUNNING" or "COMPLETING" or "CONFIGURING" => $"{what} is {word.ToLowerInvariant()}" + (job.NodeList.Length > 0 ? $" on {job.NodeList}" : ""),
            "SUSPENDED" => $"{what} is suspended",
            "COMPLETED" => counts is null ? $"{what} completed" : $"{what}: all {counts.Total} tasks completed",
            "CANCELLED" => $"{what} was cancelled",
            "UNKNOWN" => $"{what} is unknown to Slurm" + (job.Reason.Length > 0 ? $": {job.Reason}" : ""),
            _ => $"{what} ended {word}" + (job.Reason.Length > 0 ? $" ({job.Reason})" : "") + ExitText(job.ExitCode, job.Signal),
        };
        if (counts is not null && word != "COMPLETED")
        {
            text += $"; tasks: {counts.Succeeded}/{counts.Total} completed, {counts.Running} running, {counts.Pending} pending, {counts.Failed} failed, {counts.Cancelled} cancelled";
            var failed = job.ArrayTasks.Where(t => t.State is not (Proto.JobState.Completed or Proto.JobState.Pending or Proto.JobState.Running
                or Proto.JobState.Completing or Proto.JobState.Suspended or Proto.JobState.Unspecified or Proto.JobState.Cancelled)).Take(5).ToList();
            if (failed.Count > 0)
            {
                text += "; " + string.Join(", ", failed.Select(t => $"task {t.TaskId} {t.SlurmState}" + (t.Reason.Length > 0 ? $" ({t.Reason})" : "")
                    + ExitText(t.ExitCode, t.Signal)));
            }
        }
        return text;
    }

    private static string ExitText(int exitCode, int signal) =>
        string.Create(CultureInfo.InvariantCulture, $", exit code {exitCode}") + (signal != 0 ? string.Create(CultureInfo.InvariantCulture, $", signal {signal}") : "");
}
