namespace SlurmK8s.Cli;

/// <summary>Named process exit codes shared by every role.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>A failure at run time (Slurm or Kubernetes refused, an I/O error).</summary>
    public const int Failure = 1;
    /// <summary>Bad flags or configuration: the message says which and how to fix it.</summary>
    public const int BadUsage = 2;
    /// <summary>Another instance already serves (e.g. a live red-box on the socket).</summary>
    public const int AlreadyRunning = 3;
    /// <summary>Refused to run as root without --allow-root.</summary>
    public const int RefusedRoot = 4;
    /// <summary>The role is not built yet.</summary>
    public const int NotAvailable = 69;
}
