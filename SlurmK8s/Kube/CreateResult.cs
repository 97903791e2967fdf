namespace SlurmK8s.Kube;

/// <summary>How a create went; AlreadyExists is an answer, not an error, for a controller with deterministic names.</summary>
internal enum CreateResult
{
    Created,
    AlreadyExists,
}
