namespace SlurmK8s.Resourced;

/// <summary>The slurm-config file cannot be used; the message names the node, the key and the fix.</summary>
internal sealed class NodeConfigException(string message) : Exception(message);
