namespace SlurmK8s.Kube;

/// <summary>The type of a core/v1 Event, as kubectl shows it.</summary>
internal enum KubeEventType
{
    Normal,
    Warning,
}
