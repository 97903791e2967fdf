using YamlDotNet.Serialization;

namespace SlurmK8s.Resourced;

/// <summary>One node's entry in the slurm-config file, as YAML gives it (validated into <see cref="NodeSettings"/>).</summary>
internal sealed class NodeEntryYaml
{
    /// <summary>Values stay strings so `cuda: 10.0` stays "10.0" rather than becoming the number 10.</summary>
    [YamlMember(Alias = "resources")]
    public Dictionary<string, string?>? Resources { get; set; }

    [YamlMember(Alias = "labels")]
    public Dictionary<string, string?>? Labels { get; set; }
}
