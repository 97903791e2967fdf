using System.Text;

namespace SlurmK8s.RedBoxContract;

/// <summary>
/// How large a batch script red-box accepts: Slurm's own default (SchedulerParameters max_script_size, 4 MiB),
/// so a script red-box takes is one sbatch takes too. Red-box refuses a larger one in words; its server accepts
/// requests up to <see cref="MaxRequestBytes"/> so that a script just over the limit still reaches that check.
/// </summary>
internal static class ScriptLimits
{
    /// <summary>The largest batch script red-box accepts, in bytes of UTF-8 (4 MiB).</summary>
    public const int MaxScriptBytes = 4 * 1024 * 1024;

    /// <summary>The largest request red-box's server reads; beyond it gRPC itself refuses (ResourceExhausted).</summary>
    public const int MaxRequestBytes = 2 * MaxScriptBytes;

    /// <summary>What to do about a script that is too large.</summary>
    public const string Fix = "put large data in files the script reads (on the submit host, or in the job's work dir) rather than in the script itself";

    /// <summary>Why a script of <paramref name="script"/>'s size is refused; null when it fits.</summary>
    public static string? Refusal(string script)
    {
        // Cheap first: a string of at most MaxScriptBytes/3 chars cannot exceed MaxScriptBytes in UTF-8.
        if (script.Length <= MaxScriptBytes / 3)
        {
            return null;
        }
        var bytes = Encoding.UTF8.GetByteCount(script);
        return bytes <= MaxScriptBytes ? null : $"the batch script is {bytes} bytes; red-box accepts at most {MaxScriptBytes} bytes: {Fix}";
    }
}
