namespace SlurmK8s.RedBoxContract;

/// <summary>Where red-box listens unless told otherwise: the one path its server, its clients and the manifests agree on.</summary>
internal static class RedBoxSocket
{
    public const string DefaultPath = "/var/run/syslurm/red-box.sock";
}
