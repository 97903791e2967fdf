using SlurmK8s.Kube;
using SlurmK8s.Resourced;

namespace SlurmK8s.Tests.Fakes;

/// <summary>
/// Stateful Nodes as the API server keeps them: labels, capacity, allocatable; merge-patch semantics (null removes);
/// events kept in order. Faults are injected with the On… hooks.
/// </summary>
internal sealed class FakeNodeApi : INodeApi
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (Dictionary<string, string> Labels, Dictionary<string, string> Capacity, Dictionary<string, string> Allocatable)> _nodes = [];
    private readonly List<KubeEvent> _events = [];

    /// <summary>Runs before a status patch is stored; throw a <see cref="KubeApiException"/> to refuse it.</summary>
    public Action<IReadOnlyDictionary<string, string?>>? OnPatchStatus { get; set; }

    public void AddNode(string name)
    {
        lock (_gate)
        {
            _nodes[name] = ([], [], []);
        }
    }

    public NodeSnapshot? Node(string name)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(name, out var n) ? new NodeSnapshot(name, "uid-" + name, new Dictionary<string, string>(n.Labels),
                new Dictionary<string, string>(n.Capacity), new Dictionary<string, string>(n.Allocatable)) : null;
        }
    }

    public IReadOnlyList<KubeEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToList();
            }
        }
    }

    public Task<NodeSnapshot?> GetNodeAsync(string name, CancellationToken cancellationToken) => Task.FromResult(Node(name));

    public Task PatchLabelsAsync(string name, IReadOnlyDictionary<string, string?> labels, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Merge(Existing(name).Labels, labels);
        }
        return Task.CompletedTask;
    }

    public Task PatchResourcesAsync(string name, IReadOnlyDictionary<string, string?> capacity, IReadOnlyDictionary<string, string?> allocatable,
        CancellationToken cancellationToken)
    {
        OnPatchStatus?.Invoke(capacity);
        lock (_gate)
        {
            var node = Existing(name);
            Merge(node.Capacity, capacity);
            Merge(node.Allocatable, allocatable);
        }
        return Task.CompletedTask;
    }

    public Task CreateEventAsync(KubeEvent kubeEvent, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _events.Add(kubeEvent);
        }
        return Task.CompletedTask;
    }

    private (Dictionary<string, string> Labels, Dictionary<string, string> Capacity, Dictionary<string, string> Allocatable) Existing(string name) =>
        _nodes.TryGetValue(name, out var node) ? node : throw new KubeApiException(404, "NotFound", $"nodes \"{name}\" not found");

    private static void Merge(Dictionary<string, string> target, IReadOnlyDictionary<string, string?> patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else
            {
                target[key] = value;
            }
        }
    }
}
