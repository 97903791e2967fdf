using YamlDotNet.Serialization;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>The tenancy file as YAML gives it (validated into a <see cref="TenancyMap"/>). Numbers stay strings so a bad one is reported in the file's words.</summary>
[YamlSerializable]
internal sealed class TenancyFileYaml
{
    [YamlMember(Alias = "minimumUid")]
    public string? MinimumUid { get; set; }

    [YamlMember(Alias = "defaultTenant")]
    public string? DefaultTenant { get; set; }

    [YamlMember(Alias = "tenants")]
    public List<TenantYaml?>? Tenants { get; set; }

    [YamlMember(Alias = "hostCallers")]
    public List<HostCallerYaml?>? HostCallers { get; set; }
}
