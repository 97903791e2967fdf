namespace SlurmK8s.Resourced;

/// <summary>What resourced reads of a Node: its labels and its status capacity and allocatable (quantities as strings).</summary>
internal sealed record NodeSnapshot(
    string Name,
    string? Uid,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Capacity,
    IReadOnlyDictionary<string, string> Allocatable);
