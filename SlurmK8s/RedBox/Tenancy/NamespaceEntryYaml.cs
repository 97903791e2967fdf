using YamlDotNet.Serialization;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>One entry of a tenant's `namespaces`, as YAML gives it.</summary>
[YamlSerializable]
internal sealed class NamespaceEntryYaml
{
    [YamlMember(Alias = "namespace")]
    public string? Namespace { get; set; }

    /// <summary>Null (the key omitted): every service account of the namespace.</summary>
    [YamlMember(Alias = "serviceAccounts")]
    public List<string?>? ServiceAccounts { get; set; }
}
