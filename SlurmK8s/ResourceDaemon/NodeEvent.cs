namespace SlurmK8s.ResourceDaemon;

/// <summary>An event about a Node. <paramref name="Type"/> is "Normal" or "Warning".</summary>
internal sealed record NodeEvent(string NodeName, string? NodeUid, string Type, string Reason, string Message)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}
