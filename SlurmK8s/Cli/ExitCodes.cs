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
    /// <summary>companion: the Slurm job ended FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY… (or Slurm lost it); the status says how.</summary>
    public const int JobFailed = 10;
    /// <summary>companion: the Slurm job was CANCELLED (its SlurmJob was deleted, or scancel outside Kubernetes).</summary>
    public const int JobCancelled = 11;
    /// <summary>companion: Slurm (through red-box) refused the submission; the status and an event carry Slurm's words.</summary>
    public const int SubmitRefused = 12;
    /// <summary>companion: the results directory cannot be written; the message names the path, our uid/gid and the fix.</summary>
    public const int ResultsNotWritable = 13;
    /// <summary>companion: the job COMPLETED but some requested result files were not found on the submit host.</summary>
    public const int ResultsIncomplete = 14;
    /// <summary>Stopped by SIGTERM/SIGINT (128 + 15). The companion then leaves its Slurm job running for the next companion.</summary>
    public const int Terminated = 143;
}
