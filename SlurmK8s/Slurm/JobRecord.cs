namespace SlurmK8s.Slurm;

/// <summary>One row as Slurm reports it (squeue, scontrol or sacct): a plain job or one task of an array.</summary>
internal sealed record JobRecord
{
    public required long JobId { get; init; }
    public string Name { get; init; } = "";
    public string User { get; init; } = "";
    public required JobState State { get; init; }
    /// <summary>Slurm's own state word, e.g. "CANCELLED".</summary>
    public string SlurmState { get; init; } = "";
    public string Reason { get; init; } = "";
    public int ExitCode { get; init; }
    public int Signal { get; init; }
    public DateTimeOffset? SubmitTime { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    public string Partition { get; init; } = "";
    public string NodeList { get; init; } = "";
    public string WorkDir { get; init; } = "";
    public string StdOut { get; init; } = "";
    public string Comment { get; init; } = "";
    /// <summary>Null when unlimited or unknown.</summary>
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>For an array task: the array's id (the id users submitted and see).</summary>
    public long? ArrayJobId { get; init; }
    /// <summary>For an array task: its index.</summary>
    public long? ArrayTaskId { get; init; }
    /// <summary>For a pending array record: the task indexes not yet started, e.g. "1-3" or "4-9%2".</summary>
    public string? PendingArrayTasks { get; init; }

    /// <summary>Whether this record speaks for the job <paramref name="id"/> (the job itself or a task of the array <paramref name="id"/>).</summary>
    public bool Concerns(long id) => JobId == id || ArrayJobId == id;
}

/// <summary>One step of a job (batch, extern, 0, 1 …).</summary>
internal sealed record StepRecord(string StepId, string Name, JobState State, string SlurmState, int ExitCode, int Signal,
    DateTimeOffset? StartTime, DateTimeOffset? EndTime, string NodeList);

/// <summary>A partition and its nodes.</summary>
internal sealed record PartitionRecord(string Name, bool IsDefault, string State, TimeSpan? MaxTime, int TotalNodes, int TotalCpus,
    IReadOnlyList<NodeRecord> Nodes);

internal sealed record NodeRecord(string Name, string State, int Cpus, long MemoryMb, IReadOnlyList<string> Features,
    IReadOnlyList<string> Gres, IReadOnlyList<string> Partitions);

/// <summary>What red-box needs to know of the cluster's configuration.</summary>
internal sealed record ClusterConfig(string Version, string ClusterName, bool AccountingEnabled, bool StoresJobComment, TimeSpan MinJobAge)
{
    /// <summary>The first SlurmctldHost as slurm.conf names it (e.g. "vm(127.0.0.1)"); "" when not given.</summary>
    public string ControllerHost { get; init; } = "";
}
