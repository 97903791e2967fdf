using Grpc.Core;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxClient;

namespace SlurmK8s.Resourced;

/// <summary>Asks the red-box on this node for its Slurm partitions (<see cref="PartitionResources"/> says how they count).</summary>
internal sealed class RedBoxDiscovery(string socketPath) : IResourceDiscovery
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public async Task<DiscoveryOutcome> DiscoverAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
        {
            return DiscoveryOutcome.Absent($"no red-box socket at {socketPath}");
        }
        try
        {
            using var channel = RedBoxChannel.Create(socketPath);
            var client = new Proto.RedBox.RedBoxClient(channel);
            var response = await client.PartitionsAsync(new Proto.PartitionsRequest(), deadline: DateTime.UtcNow.Add(Deadline),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return DiscoveryOutcome.Found(PartitionResources.From(response.Partitions));
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            return DiscoveryOutcome.Failed($"red-box at {socketPath} answered {e.StatusCode}: {e.Status.Detail}");
        }
    }
}
