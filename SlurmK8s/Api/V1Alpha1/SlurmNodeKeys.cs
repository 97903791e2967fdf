namespace SlurmK8s.Api.V1Alpha1;

/// <summary>
/// The keys resourced owns on a Node: every label and extended resource under <see cref="Prefix"/>.
/// Anything under the prefix that the config no longer names is removed, so nothing else may write there.
/// The operator reads the same keys: it selects nodes by the workload-manager label and requests the resources.
/// </summary>
internal static class SlurmNodeKeys
{
    public const string Prefix = "slurm.sylabs.io/";

    /// <summary>Marks a node whose Slurm cluster takes jobs; the operator selects companion pods' nodes by it.</summary>
    public const string WorkloadManagerLabel = Prefix + "workload-manager";
    public const string WorkloadManagerValue = "slurm";

    public static string Of(string name) => Prefix + name;

    public static bool IsOurs(string key) => key.StartsWith(Prefix, StringComparison.Ordinal);
}
