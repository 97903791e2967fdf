namespace SlurmK8s.RedBox.Callers;

/// <summary>TEMPORARY (replaced by the identity branch): who is calling, as the kernel showed it.</summary>
internal sealed record Caller(int Pid, uint Uid, uint Gid, PodIdentity? Pod)
{
    public string Describe() => Pod is null ? $"host process pid {Pid} uid {Uid}" : $"pod {Pod.Namespace}/{Pod.Name} pid {Pid} uid {Uid}";
}
