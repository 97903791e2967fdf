namespace SlurmK8s.RedBox.Callers;

/// <summary>TEMPORARY (replaced by the identity branch): the pod a caller runs in.</summary>
internal sealed record PodIdentity(string Namespace, string Name, string Uid, string ServiceAccount, string? SlurmJobName, string? SlurmJobUid);
