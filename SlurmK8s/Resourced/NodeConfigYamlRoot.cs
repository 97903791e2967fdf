namespace SlurmK8s.Resourced;

/// <summary>
/// Never read from YAML itself: its property makes the static generator emit a factory for the file's root type,
/// a map of node name → entry, which it cannot be given directly.
/// </summary>
internal sealed class NodeConfigYamlRoot
{
    public Dictionary<string, NodeEntryYaml?>? Nodes { get; set; }
}
