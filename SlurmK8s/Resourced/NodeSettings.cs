namespace SlurmK8s.Resourced;

/// <summary>
/// What one node should carry, by bare name (without the slurm.sylabs.io/ prefix): extended resources and their
/// quantities, and labels. Already validated.
/// </summary>
internal sealed record NodeSettings(IReadOnlyDictionary<string, string> Resources, IReadOnlyDictionary<string, string> Labels)
{
    public static NodeSettings Empty { get; } = new(new Dictionary<string, string>(), new Dictionary<string, string>());

    /// <summary>
    /// The node's settings with discovered resources (from red-box) underneath the configured ones: a resource named
    /// in the config wins, so an administrator can cap what discovery finds. Null when neither says the node runs Slurm.
    /// </summary>
    public static NodeSettings? Compose(NodeSettings? configured, IReadOnlyDictionary<string, string>? discovered)
    {
        if (discovered is null)
        {
            return configured;
        }
        var resources = new Dictionary<string, string>(discovered, StringComparer.Ordinal);
        foreach (var (name, quantity) in configured?.Resources ?? Empty.Resources)
        {
            resources[name] = quantity;
        }
        return new NodeSettings(resources, configured?.Labels ?? Empty.Labels);
    }
}
