using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxClient;

namespace SlurmK8s.Resourced;

/// <summary>Asks the red-box on this node for its Slurm partitions (<see cref="PartitionResources"/> says how they count).</summary>
internal sealed class RedBoxDiscovery(string socketPath) : IResourceDiscovery
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public async Task<DiscoveryOutcome> DiscoverAsync(CancellationToken cancellationToken)
    {
        var answer = await RedBoxAnswer<Proto.PartitionsResponse>.AskAsync(socketPath, Deadline,
            (client, deadline, ct) => client.PartitionsAsync(new Proto.PartitionsRequest(), deadline: deadline, cancellationToken: ct).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        return answer.Presence switch
        {
            RedBoxPresence.Answered => DiscoveryOutcome.Found(PartitionResources.From(answer.Value!.Partitions)),
            RedBoxPresence.NoSocket => DiscoveryOutcome.Absent(answer.Problem),
            _ => DiscoveryOutcome.Failed(answer.Problem),
        };
    }
}
