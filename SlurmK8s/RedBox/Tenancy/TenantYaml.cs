using YamlDotNet.Serialization;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>One entry of the tenancy file's `tenants`, as YAML gives it.</summary>
[YamlSerializable]
internal sealed class TenantYaml
{
    [YamlMember(Alias = "name")]
    public string? Name { get; set; }

    [YamlMember(Alias = "user")]
    public string? User { get; set; }

    [YamlMember(Alias = "account")]
    public string? Account { get; set; }

    [YamlMember(Alias = "partitions")]
    public List<string?>? Partitions { get; set; }

    [YamlMember(Alias = "qos")]
    public List<string?>? Qos { get; set; }

    [YamlMember(Alias = "workRoot")]
    public string? WorkRoot { get; set; }

    [YamlMember(Alias = "namespaces")]
    public List<NamespaceEntryYaml?>? Namespaces { get; set; }
}
