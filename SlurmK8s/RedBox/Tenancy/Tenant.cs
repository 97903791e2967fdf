namespace SlurmK8s.RedBox.Tenancy;

/// <summary>One tenant of the tenancy file, validated: who its jobs run as, what they are charged to, where they live.</summary>
/// <param name="Partitions">The partitions it may use, its default first; empty: any.</param>
/// <param name="Qos">The QoS it may use; empty: any.</param>
/// <param name="WorkRoot">Absolute and plain (no '.', '..' or trailing '/'); no other tenant's root is inside or above it.</param>
internal sealed record Tenant(string Name, TenantUser User, string Account, IReadOnlyList<string> Partitions, IReadOnlyList<string> Qos, string WorkRoot)
{
    /// <summary>The partition to submit to when the script names none; null: Slurm's own default.</summary>
    public string? DefaultPartition => Partitions.Count > 0 ? Partitions[0] : null;

    /// <summary>
    /// Whether the tenant may submit to <paramref name="partition"/>: one name, as Slurm spells it (names are
    /// case-sensitive). A comma list (`-p a,b`) is not split here and so is refused unless the tenant may use any: split it first.
    /// </summary>
    public bool MayUsePartition(string partition) => Partitions.Count == 0 || Partitions.Contains(partition, StringComparer.Ordinal);

    /// <summary>Whether the tenant may ask for <paramref name="qos"/> (one name, as for <see cref="MayUsePartition"/>).</summary>
    public bool MayUseQos(string qos) => Qos.Count == 0 || Qos.Contains(qos, StringComparer.Ordinal);
}
