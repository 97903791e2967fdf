using System.Globalization;

namespace SlurmK8s.Slurm;

/// <summary>
/// The resource vocabulary shared by resourced (what a node advertises) and the operator (what a companion pod requests),
/// as bare names under the node keys' prefix (Api's SlurmNodeKeys): <see cref="Cpu"/>, <see cref="Memory"/>,
/// <see cref="Nodes"/>, and one name per GRES (<see cref="Gpu"/> among them). Counts are whole numbers; memory is
/// Slurm's megabytes (RealMemory, --mem's default unit) written as a Kubernetes quantity in <see cref="MemoryUnit"/>.
/// </summary>
internal static class SlurmResources
{
    public const string Cpu = "cpu";
    public const string Memory = "mem";
    public const string Gpu = "gpu";
    public const string Nodes = "nodes";

    /// <summary>Slurm's MB are MiB: 1024 × 1024 bytes.</summary>
    public const string MemoryUnit = "Mi";

    /// <summary>Whether a GRES of this name would shadow one of the resources counted otherwise (cpu, mem, nodes).</summary>
    public static bool IsCountedOtherwise(string name) => name is Cpu or Memory or Nodes;

    /// <summary>A count as a quantity: "24".</summary>
    public static string Count(long count) => count.ToString(CultureInfo.InvariantCulture);

    /// <summary>Slurm's megabytes as a quantity: "2048Mi".</summary>
    public static string Mebibytes(long megabytes) => Count(megabytes) + MemoryUnit;

    /// <summary>
    /// A count as Slurm writes it: ASCII digits with an optional K, M, G, T or P suffix, each a power of 1024
    /// ("4G" is 4 × 2^30). False for anything else or a value that does not fit.
    /// </summary>
    public static bool TryParseCount(string text, out long value)
    {
        value = 0;
        if (text.Length == 0)
        {
            return false;
        }
        var shift = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            'P' => 50,
            _ => 0,
        };
        var digits = shift == 0 ? text : text[..^1];
        if (digits.Length is 0 or > 18 || !digits.All(char.IsAsciiDigit)
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }
        value = Saturating.Multiply(number, 1L << shift);
        return value != long.MaxValue;
    }
}
