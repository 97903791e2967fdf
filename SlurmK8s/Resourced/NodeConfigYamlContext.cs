using YamlDotNet.Serialization;

namespace SlurmK8s.Resourced;

/// <summary>Source-generated YAML metadata: the reflection DeserializerBuilder fails under Native AOT.</summary>
[YamlStaticContext]
[YamlSerializable(typeof(NodeEntryYaml))]
[YamlSerializable(typeof(NodeConfigYamlRoot))]
public sealed partial class NodeConfigYamlContext : StaticContext;
