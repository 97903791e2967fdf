// slurmk8s runs where Slurm and the kubelet run: Linux (Unix sockets, POSIX modes, /proc).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
