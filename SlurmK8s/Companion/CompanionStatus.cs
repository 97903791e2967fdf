using System.Text.Json;
using System.Text.Json.Nodes;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.RedBoxContract;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Companion;

/// <summary>
/// Pure: the companion's two status fields (status.slurm, status.companion) from what red-box says, and the merge patch
/// that brings what the API server holds to them. The companion announces nothing: the operator owns phase and events.
/// </summary>
internal static class CompanionStatus
{
    /// <summary>Slurm's view of the job, as status.slurm holds it. The state is the proto's enum, carried through.</summary>
    public static SlurmJobFacts FromJob(Proto.Job job, SlurmJobFacts? known = null)
    {
        var finished = job.Finished && job.State != Proto.JobState.Unknown;
        var failed = job.ArrayTasks.Where(t => t.State.ToSlurm() is var s && s.IsFinished() && s is not (JobState.Completed or JobState.Cancelled))
            .Take(5)
            .Select(t => new FailedArrayTask
            {
                TaskId = t.TaskId,
                State = t.State.ToSlurm(),
                Reason = Text(t.Reason),
                ExitCode = t.ExitCode,
                Signal = t.Signal != 0 ? t.Signal : null,
            })
            .ToList();
        return new SlurmJobFacts
        {
            JobId = job.JobId,
            Cluster = Text(job.Cluster) ?? known?.Cluster,
            State = job.State == Proto.JobState.Unspecified ? null : job.State.ToSlurm(),
            Reason = Text(job.Reason),
            ExitCode = finished ? job.ExitCode : null,
            Signal = finished && job.Signal != 0 ? job.Signal : null,
            SubmitTime = job.SubmitTime?.ToDateTime(),
            StartTime = job.StartTime?.ToDateTime(),
            EndTime = job.EndTime?.ToDateTime(),
            NodeList = Text(job.NodeList),
            WorkDir = Text(job.WorkDir) ?? known?.WorkDir,
            StdOut = Text(job.StdOut) ?? known?.StdOut,
            ArrayTasks = job.ArrayTasks.Count > 0 ? Count(job.ArrayTasks) : null,
            FailedTasks = failed.Count > 0 ? failed : null,
        };
    }

    /// <summary>The merge patch that turns <paramref name="current"/> into <paramref name="desired"/>; null when they agree.</summary>
    public static JsonObject? Patch(SlurmJobStatus current, SlurmJobStatus desired)
    {
        var patch = new JsonObject();
        Field(patch, "slurm", ToJson(current.Slurm), ToJson(desired.Slurm));
        Field(patch, "companion", ToJson(current.Companion), ToJson(desired.Companion));
        return patch.Count > 0 ? patch : null;
    }

    // A field replaced whole when it changed: keys gone from the desired object are written as null (merge patch: remove).
    private static void Field(JsonObject patch, string name, JsonObject? before, JsonObject? after)
    {
        if (JsonNode.DeepEquals(before, after))
        {
            return;
        }
        if (after is null)
        {
            patch[name] = null;
            return;
        }
        var value = (JsonObject)after.DeepClone();
        foreach (var (key, _) in before ?? [])
        {
            if (!after.ContainsKey(key))
            {
                value[key] = null;
            }
        }
        patch[name] = value;
    }

    private static JsonObject? ToJson(SlurmJobFacts? facts) =>
        facts is null ? null : JsonSerializer.SerializeToNode(facts, ApiJsonContext.Default.SlurmJobFacts)?.AsObject();

    private static JsonObject? ToJson(CompanionReport? report) =>
        report is null ? null : JsonSerializer.SerializeToNode(report, ApiJsonContext.Default.CompanionReport)?.AsObject();

    private static string? Text(string value) => value.Length > 0 ? value : null;

    private static ArrayTaskCounts Count(IEnumerable<Proto.ArrayTask> tasks)
    {
        int pending = 0, running = 0, succeeded = 0, failed = 0, cancelled = 0, total = 0;
        foreach (var task in tasks)
        {
            total++;
            switch (task.State.ToSlurm())
            {
                case JobState.Pending or JobState.Unspecified:
                    pending++;
                    break;
                case JobState.Running or JobState.Completing or JobState.Suspended:
                    running++;
                    break;
                case JobState.Completed:
                    succeeded++;
                    break;
                case JobState.Cancelled:
                    cancelled++;
                    break;
                default:
                    failed++;
                    break;
            }
        }
        return new ArrayTaskCounts { Total = total, Pending = pending, Running = running, Succeeded = succeeded, Failed = failed, Cancelled = cancelled };
    }
}
