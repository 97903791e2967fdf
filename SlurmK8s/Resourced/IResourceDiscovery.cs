namespace SlurmK8s.Resourced;

/// <summary>Where `--discover` gets a node's resources from (red-box's Partitions RPC).</summary>
internal interface IResourceDiscovery
{
    Task<DiscoveryOutcome> DiscoverAsync(CancellationToken cancellationToken);
}
