using System.Globalization;
using SlurmK8s.Slurm;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>Slurm's view of a job in a sentence, for conditions and events; Slurm's own words where it gave some.</summary>
internal static class SlurmFactsText
{
    public static string Describe(SlurmJobFacts facts)
    {
        var counts = facts.ArrayTasks;
        var what = counts is null ? $"Slurm job {facts.JobId}" : $"Slurm job array {facts.JobId}";
        var reason = string.IsNullOrEmpty(facts.Reason) ? "" : $" ({facts.Reason})";
        var text = facts.State switch
        {
            null => $"{what} was submitted",
            JobState.Pending => $"{what} is pending{reason}",
            JobState.Running or JobState.Completing => $"{what} is {facts.State.Value.Word().ToLowerInvariant()}"
                + (string.IsNullOrEmpty(facts.NodeList) ? "" : $" on {facts.NodeList}"),
            JobState.Suspended => $"{what} is suspended",
            JobState.Completed => counts is null ? $"{what} completed" : $"{what}: all {counts.Total} tasks completed",
            JobState.Cancelled => $"{what} was cancelled",
            JobState.Unknown or JobState.Unspecified => $"{what} is unknown to Slurm" + (string.IsNullOrEmpty(facts.Reason) ? "" : $": {facts.Reason}"),
            var state => $"{what} ended {state.Value.Word()}{reason}" + Exit(facts.ExitCode, facts.Signal),
        };
        if (counts is not null && facts.State != JobState.Completed)
        {
            text += $"; tasks: {counts.Succeeded}/{counts.Total} completed, {counts.Running} running, {counts.Pending} pending, {counts.Failed} failed, {counts.Cancelled} cancelled";
            if (facts.FailedTasks is { Count: > 0 } failed)
            {
                text += "; " + string.Join(", ", failed.Select(t => $"task {t.TaskId} {t.State?.Word()}"
                    + (string.IsNullOrEmpty(t.Reason) ? "" : $" ({t.Reason})") + Exit(t.ExitCode, t.Signal)));
            }
        }
        return text;
    }

    private static string Exit(int? exitCode, int? signal) =>
        (exitCode is { } code ? string.Create(CultureInfo.InvariantCulture, $", exit code {code}") : "")
        + (signal is { } s and not 0 ? string.Create(CultureInfo.InvariantCulture, $", signal {s}") : "");
}
