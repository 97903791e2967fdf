namespace SlurmK8s.Slurm.Sbatch;

/// <summary>
/// What one Slurm node behind a Kubernetes node offers, as far as its <c>slurm.sylabs.io/*</c> capacity tells: the
/// capacity divided by its <c>nodes</c>, rounded down (so a cluster of unequal nodes reads as its average node, never
/// more). Whole-node jobs (<c>--exclusive</c>, <c>--mem=0</c>) are counted with it: they hold all of each node they get.
/// </summary>
/// <param name="Cpus">CPUs per node, when the capacity names cpu and nodes.</param>
/// <param name="MemoryMiB">Memory per node in MiB (Slurm's MB), when it names mem and nodes.</param>
/// <param name="Gres">Count per node of every other resource (gpu, …) it names.</param>
internal sealed record SlurmNodeShape(long? Cpus, long? MemoryMiB, IReadOnlyDictionary<string, long> Gres)
{
    private const long BytesPerMiB = 1024 * 1024;

    /// <summary>Nothing known: whole-node jobs are then counted by what they ask for alone.</summary>
    public static SlurmNodeShape Unknown { get; } = new(null, null, new Dictionary<string, long>());

    /// <summary>
    /// The shape from one Kubernetes node's capacity: bare resource name (cpu, mem, nodes, gpu…) → amount (mem in bytes).
    /// Unknown without a positive <c>nodes</c>.
    /// </summary>
    public static SlurmNodeShape FromCapacity(IReadOnlyDictionary<string, decimal> capacity)
    {
        if (!capacity.TryGetValue(SlurmResources.Nodes, out var nodes) || nodes < 1)
        {
            return Unknown;
        }
        long? PerNode(decimal total) => total >= nodes ? (long)decimal.Floor(total / nodes) : null;
        var gres = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, total) in capacity)
        {
            if (!SlurmResources.IsCountedOtherwise(name) && PerNode(total) is { } count)
            {
                gres[name] = count;
            }
        }
        return new SlurmNodeShape(
            capacity.TryGetValue(SlurmResources.Cpu, out var cpus) ? PerNode(cpus) : null,
            capacity.TryGetValue(SlurmResources.Memory, out var bytes) ? PerNode(decimal.Floor(bytes / BytesPerMiB)) : null,
            gres);
    }

    /// <summary>
    /// The smallest of several nodes' shapes, resource by resource (a companion pod may land on any of them, and a
    /// request must never ask more than a job holds there); a resource unknown on any node is unknown.
    /// </summary>
    public static SlurmNodeShape Smallest(IEnumerable<SlurmNodeShape> shapes)
    {
        SlurmNodeShape? smallest = null;
        foreach (var shape in shapes)
        {
            smallest = smallest is null ? shape : new SlurmNodeShape(
                Min(smallest.Cpus, shape.Cpus),
                Min(smallest.MemoryMiB, shape.MemoryMiB),
                smallest.Gres.Where(g => shape.Gres.ContainsKey(g.Key))
                    .ToDictionary(g => g.Key, g => Math.Min(g.Value, shape.Gres[g.Key]), StringComparer.Ordinal));
        }
        return smallest ?? Unknown;
    }

    private static long? Min(long? a, long? b) => a is { } x && b is { } y ? Math.Min(x, y) : null;
}
