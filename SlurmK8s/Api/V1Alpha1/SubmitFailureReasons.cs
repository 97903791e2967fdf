namespace SlurmK8s.Api.V1Alpha1;

/// <summary>
/// The reasons a companion writes into the status when red-box would not submit the job; the operator reads them to end
/// the SlurmJob Failed with the companion's words rather than as a bare companion failure.
/// </summary>
internal static class SubmitFailureReasons
{
    /// <summary>sbatch refused the script (InvalidArgument).</summary>
    public const string Refused = "SubmitRefused";

    /// <summary>red-box or Slurm denied the caller (PermissionDenied).</summary>
    public const string Denied = "SubmitDenied";

    /// <summary>Anything else, after the companion's retries.</summary>
    public const string Failed = "SubmitFailed";

    public static bool Contains(string? reason) => reason is Refused or Denied or Failed;
}
