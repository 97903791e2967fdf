namespace SlurmK8s.Resourced;

/// <summary>
/// What discovery found: resources (red-box answered), nothing (no red-box on this node: no Slurm here),
/// or a failure (red-box is there but did not answer: keep what was found before).
/// </summary>
internal sealed record DiscoveryOutcome(IReadOnlyDictionary<string, string>? Resources, string? Problem)
{
    public static DiscoveryOutcome Found(IReadOnlyDictionary<string, string> resources) => new(resources, null);

    public static DiscoveryOutcome Absent(string why) => new(null, why);

    public static DiscoveryOutcome Failed(string why) => new(null, why) { IsFailure = true };

    public bool IsFailure { get; private init; }
}
