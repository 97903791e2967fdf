namespace SlurmK8s.Slurm.Sbatch;

/// <summary>Whether an sbatch option takes a value (getopt's has_arg).</summary>
internal enum SbatchArity
{
    /// <summary>A flag: <c>--hold</c>.</summary>
    None,

    /// <summary>A value attached or in the next argument: <c>--nodes=2</c>, <c>--nodes 2</c>, <c>-N2</c>, <c>-N 2</c>.</summary>
    Required,

    /// <summary>A value only when attached: <c>--exclusive</c>, <c>--exclusive=user</c>.</summary>
    Optional,
}
