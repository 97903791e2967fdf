using YamlDotNet.Serialization;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>One entry of the tenancy file's `hostCallers`, as YAML gives it.</summary>
[YamlSerializable]
internal sealed class HostCallerYaml
{
    [YamlMember(Alias = "uid")]
    public string? Uid { get; set; }

    [YamlMember(Alias = "tenant")]
    public string? Tenant { get; set; }
}
