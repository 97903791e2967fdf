using System.Collections.Concurrent;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>
/// Each SlurmJob's <see cref="CompanionDemand"/>, worked out once per version of what it depends on: the job's spec (its
/// UID and metadata.generation: a spec change bumps the generation, a status write does not) and the nodes' names,
/// labels and <c>slurm.sylabs.io/*</c> capacity (a node's heartbeat changes none of them). A newcomer waiting for room
/// looks again every few seconds; its script is parsed once, not on every look. Safe for concurrent passes.
/// </summary>
/// <param name="workOut">How a demand is worked out (a seam for tests to count them).</param>
internal sealed class CompanionDemands(Func<SlurmJob, IReadOnlyCollection<V1Node>, CompanionDemand>? workOut = null)
{
    private readonly Func<SlurmJob, IReadOnlyCollection<V1Node>, CompanionDemand> _workOut = workOut ?? CompanionDemand.Of;
    private readonly ConcurrentDictionary<string, Known> _byJob = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private (long Version, string Shape)? _nodes;

    /// <summary>The demand of the SlurmJob "namespace/name" on these nodes, read from the nodes cache at <paramref name="nodesVersion"/>.</summary>
    public CompanionDemand For(string key, SlurmJob job, IReadOnlyCollection<V1Node> nodes, long nodesVersion)
    {
        var shape = NodesShape(nodes, nodesVersion);
        var (uid, generation) = (job.Metadata.Uid, job.Metadata.Generation);
        if (_byJob.TryGetValue(key, out var known) && generation is not null && known.Uid == uid && known.Generation == generation
            && string.Equals(known.NodesShape, shape, StringComparison.Ordinal))
        {
            return known.Demand;
        }
        var demand = _workOut(job, nodes);
        if (generation is { } spec)
        {
            // No generation (never from an API server): nothing says when the spec changed, so nothing is kept.
            _byJob[key] = new Known(uid, spec, shape, demand);
        }
        return demand;
    }

    public void Forget(string key) => _byJob.TryRemove(key, out _);

    /// <summary>What of the nodes a demand depends on, as one string, worked out once per version of the nodes cache.</summary>
    private string NodesShape(IReadOnlyCollection<V1Node> nodes, long version)
    {
        lock (_gate)
        {
            if (_nodes is { } seen && seen.Version == version)
            {
                return seen.Shape;
            }
        }
        var shape = string.Join('\n', nodes.OrderBy(n => n.Metadata.Name, StringComparer.Ordinal).Select(n =>
            $"{n.Metadata.Name} {Listed(n.Metadata.Labels ?? new Dictionary<string, string>())} "
            + Listed((n.Status?.Capacity ?? new Dictionary<string, ResourceQuantity>()).Where(c => SlurmNodeKeys.IsOurs(c.Key)).ToDictionary(c => c.Key, c => c.Value.ToString()))));
        lock (_gate)
        {
            _nodes = (version, shape);
        }
        return shape;
    }

    private static string Listed(IEnumerable<KeyValuePair<string, string>> pairs) =>
        string.Join(',', pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private sealed record Known(string? Uid, long Generation, string NodesShape, CompanionDemand Demand);
}
