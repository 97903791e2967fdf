using k8s.Models;

namespace SlurmK8s.Operator;

/// <summary>The SlurmJob's condition types (Kubernetes API conventions: positive polarity, CamelCase reasons).</summary>
internal static class JobConditions
{
    /// <summary>The companion pod is placed on a node (False: the scheduler's words say why not).</summary>
    public const string Scheduled = "Scheduled";

    /// <summary>Slurm holds the job.</summary>
    public const string Submitted = "Submitted";

    /// <summary>The job is over, whichever way (reason: Succeeded, Failed's cause, Cancelled).</summary>
    public const string Finished = "Finished";

    /// <summary>The companion copied the results into spec.results.mount (False: which files and how to fix it).</summary>
    public const string ResultsCollected = "ResultsCollected";

    /// <summary>False once spec was edited after Slurm took the job: Slurm runs the script it was given.</summary>
    public const string SpecApplied = "SpecApplied";

    /// <summary>
    /// False while the companion cannot reach red-box on its node, or red-box cannot reach slurmctld, for longer than the
    /// companion's outage threshold (reason: which of them, message: where and since when); True once it answers again.
    /// Absent on a job that never met an outage.
    /// </summary>
    public const string SlurmReachable = "SlurmReachable";

    /// <summary>
    /// Sets a condition, keeping lastTransitionTime when its status did not change. Returns a new list:
    /// the old status stays untouched so the caller can compare.
    /// </summary>
    public static List<V1Condition> With(IEnumerable<V1Condition>? conditions, string type, string status, string reason, string message, long? generation, DateTime now)
    {
        var list = conditions?.Where(c => c.Type != type).ToList() ?? [];
        var previous = conditions?.FirstOrDefault(c => c.Type == type);
        list.Add(new V1Condition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            ObservedGeneration = generation,
            LastTransitionTime = previous?.Status == status ? previous.LastTransitionTime : now,
        });
        return list;
    }

    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Same type, status, reason and message: transition times aside, nothing a reader would see changed.</summary>
    public static bool SameAs(IList<V1Condition>? a, IList<V1Condition>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }
        return a is null || a.All(x => b!.Any(y => y.Type == x.Type && y.Status == x.Status && y.Reason == x.Reason && y.Message == x.Message && y.ObservedGeneration == x.ObservedGeneration));
    }
}
