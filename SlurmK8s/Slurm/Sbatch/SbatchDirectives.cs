namespace SlurmK8s.Slurm.Sbatch;

/// <summary>
/// What a batch script's <c>#SBATCH</c> directives ask for. A null property was not given, so Slurm's default applies;
/// the computed properties below apply those defaults the way sbatch does.
/// </summary>
internal sealed record SbatchDirectives
{
    private static readonly IReadOnlyDictionary<string, long> NoGres = new Dictionary<string, long>();

    /// <summary>A script without directives: one node, one task, one CPU.</summary>
    public static SbatchDirectives None { get; } = new();

    /// <summary><c>-N/--nodes</c>: the minimum of <c>min[-max]</c>.</summary>
    public int? MinNodes { get; init; }

    /// <summary><c>-N/--nodes</c>: the maximum of <c>min-max</c>, when a range was given.</summary>
    public int? MaxNodes { get; init; }

    /// <summary><c>-n/--ntasks</c>.</summary>
    public int? Tasks { get; init; }

    /// <summary><c>--ntasks-per-node</c>.</summary>
    public int? TasksPerNode { get; init; }

    /// <summary><c>-c/--cpus-per-task</c>.</summary>
    public int? CpusPerTask { get; init; }

    /// <summary><c>--mem</c> in MiB per node; 0 means "all the memory of each node" (see <see cref="WantsAllNodeMemory"/>).</summary>
    public long? MemoryPerNodeMiB { get; init; }

    /// <summary><c>--mem-per-cpu</c> in MiB.</summary>
    public long? MemoryPerCpuMiB { get; init; }

    /// <summary><c>--mem-per-gpu</c> in MiB.</summary>
    public long? MemoryPerGpuMiB { get; init; }

    /// <summary><c>--gres</c>: count per node by GRES name (types summed: <c>gpu:a100:2,gpu:v100:1</c> is gpu → 3).</summary>
    public IReadOnlyDictionary<string, long> GresPerNode { get; init; } = NoGres;

    /// <summary><c>-G/--gpus</c>: GPUs for the whole job.</summary>
    public long? Gpus { get; init; }

    /// <summary><c>--gpus-per-node</c>.</summary>
    public long? GpusPerNode { get; init; }

    /// <summary><c>--gpus-per-task</c>.</summary>
    public long? GpusPerTask { get; init; }

    /// <summary><c>--exclusive[=user|mcs]</c> or <c>-s/--oversubscribe</c>, whichever came last.</summary>
    public SbatchSharing? Sharing { get; init; }

    /// <summary><c>-O/--overcommit</c>: CPUs are allocated as if each node ran one task.</summary>
    public bool Overcommit { get; init; }

    /// <summary><c>--mincpus</c>: the fewest CPUs the job takes on each of its nodes.</summary>
    public int? MinCpusPerNode { get; init; }

    /// <summary><c>-p/--partition</c> as written (may be a comma-separated list).</summary>
    public string? Partition { get; init; }

    /// <summary><c>-A/--account</c> as written.</summary>
    public string? Account { get; init; }

    /// <summary><c>-q/--qos</c> as written.</summary>
    public string? Qos { get; init; }

    /// <summary><c>-t/--time</c>, rounded up to whole minutes as Slurm does; <see cref="Timeout.InfiniteTimeSpan"/> for UNLIMITED (or 0).</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary><c>-a/--array</c> as written (Slurm validates it at submission).</summary>
    public string? Array { get; init; }

    /// <summary>
    /// Nodes the job holds at least: --nodes' minimum (lowered to --ntasks when fewer tasks are asked for, as sbatch does:
    /// "can't run 1 processes on 3 nodes, setting nnodes to 1"), else enough for --ntasks at --ntasks-per-node, else 1.
    /// </summary>
    public long NodeCount =>
        MinNodes is { } min ? (Tasks is { } fewer && fewer < min ? fewer : min)
        : Tasks is { } tasks && TasksPerNode is { } perNode ? (tasks + perNode - 1L) / perNode
        : 1L;

    /// <summary>Tasks: --ntasks, else nodes × --ntasks-per-node, else one per node (sbatch's default).</summary>
    public long TaskCount => Tasks ?? (TasksPerNode is { } perNode ? Saturating.Multiply(NodeCount, perNode) : NodeCount);

    /// <summary>
    /// The CPUs Slurm allocates the job at least, on nodes it shares (measured with <c>sbatch --test-only</c> on 22.05):
    /// tasks × CPUs per task (one task per node under --overcommit), and on each node at least
    /// min(--ntasks-per-node, --ntasks) × CPUs per task and at least --mincpus. So never fewer than one per node.
    /// </summary>
    public long CpuCount
    {
        get
        {
            var perTask = (long)(CpusPerTask ?? 1);
            var cpus = Saturating.Multiply(Overcommit ? NodeCount : TaskCount, perTask);
            if (TasksPerNode is { } tasksPerNode && !Overcommit)
            {
                var perNode = Saturating.Multiply(Math.Min(tasksPerNode, Tasks ?? tasksPerNode), perTask);
                cpus = Math.Max(cpus, Saturating.Multiply(NodeCount, perNode));
            }
            if (MinCpusPerNode is { } minCpus)
            {
                cpus = Math.Max(cpus, Saturating.Multiply(NodeCount, minCpus));
            }
            return cpus;
        }
    }

    /// <summary>Plain <c>--exclusive</c>: the job's nodes are its alone, with all their CPUs and GRES.</summary>
    public bool TakesWholeNodes => Sharing == SbatchSharing.Exclusive;

    /// <summary>GPUs for the whole job: --gpus, else --gpus-per-node × nodes, else --gpus-per-task × tasks, else gres gpu × nodes.</summary>
    public long GpuCount =>
        Gpus
        ?? (GpusPerNode is { } perNode ? Saturating.Multiply(perNode, NodeCount)
        : GpusPerTask is { } perTask ? Saturating.Multiply(perTask, TaskCount)
        : GresPerNode.TryGetValue(SlurmResources.Gpu, out var gres) ? Saturating.Multiply(gres, NodeCount)
        : 0);

    /// <summary><c>--mem=0</c>: Slurm gives the job all the memory of each node it runs on.</summary>
    public bool WantsAllNodeMemory => MemoryPerNodeMiB == 0;

    /// <summary>
    /// Memory for the whole job in MiB: --mem × nodes, --mem-per-cpu × CPUs or --mem-per-gpu × GPUs; null when none was
    /// given (the cluster's DefMemPerCPU applies, which Kubernetes cannot know) or for --mem=0.
    /// </summary>
    public long? MemoryMiB =>
        MemoryPerNodeMiB is { } perNode ? (perNode == 0 ? null : Saturating.Multiply(perNode, NodeCount))
        : MemoryPerCpuMiB is { } perCpu ? Saturating.Multiply(perCpu, CpuCount)
        : MemoryPerGpuMiB is { } perGpu ? Saturating.Multiply(perGpu, GpuCount)
        : null;
}
