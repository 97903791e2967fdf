using SlurmK8s.Os;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>TEMPORARY (replaced by the tenancy branch).</summary>
internal sealed record Tenant(string Name, UnixUser User, string Account, IReadOnlyList<string> Partitions, IReadOnlyList<string> Qos, string WorkRoot)
{
    public bool MayUsePartition(string partition) => Partitions.Count == 0 || Partitions.Contains(partition);
    public bool MayUseQos(string qos) => Qos.Count == 0 || Qos.Contains(qos);
    public string? DefaultPartition => Partitions.Count > 0 ? Partitions[0] : null;
}
