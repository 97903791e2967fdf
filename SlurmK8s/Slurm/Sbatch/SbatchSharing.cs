namespace SlurmK8s.Slurm.Sbatch;

/// <summary>
/// How a job shares its nodes: <c>--exclusive[=user|mcs]</c> and <c>-s/--oversubscribe</c>, one setting in sbatch
/// (the last of them wins). Not given, a job shares its nodes with other jobs and holds only the CPUs, memory and GRES
/// it asks for.
/// </summary>
internal enum SbatchSharing
{
    /// <summary><c>--exclusive</c> (or <c>--exclusive=</c>): the job is given all CPUs and GRES of every node it gets, and only the memory it asks for.</summary>
    Exclusive,

    /// <summary><c>--exclusive=user</c>: only what it asks for, on nodes shared with no other user's jobs.</summary>
    ExclusiveUser,

    /// <summary><c>--exclusive=mcs</c>: only what it asks for, on nodes shared with no job of another MCS label.</summary>
    ExclusiveMcs,

    /// <summary><c>-s/--oversubscribe</c>: may share CPUs with other jobs where the partition allows it (OverSubscribe=YES).</summary>
    OverSubscribe,
}
