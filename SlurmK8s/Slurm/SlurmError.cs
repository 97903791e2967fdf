namespace SlurmK8s.Slurm;

/// <summary>What kind of failure a Slurm command reported; mapped to a gRPC status code at the service boundary only.</summary>
internal enum SlurmErrorKind
{
    /// <summary>The request or script was refused (bad partition, bad directive, bad argument).</summary>
    InvalidArgument,
    /// <summary>No such job or file.</summary>
    NotFound,
    /// <summary>Slurm refused on grounds of identity or a path outside what is served.</summary>
    PermissionDenied,
    /// <summary>The controller or accounting did not answer: retry later.</summary>
    Unavailable,
    /// <summary>The operation does not fit the current state.</summary>
    FailedPrecondition,
    /// <summary>Anything else.</summary>
    Internal,
}

/// <summary>A Slurm command failed; the message is Slurm's own words.</summary>
internal sealed class SlurmException(SlurmErrorKind kind, string message) : Exception(message)
{
    public SlurmErrorKind Kind { get; } = kind;

    /// <summary>
    /// Set by red-box's clients on an <see cref="SlurmErrorKind.Unavailable"/> that red-box itself sent: red-box answered,
    /// Slurm behind it did not; the text is where red-box asked ("" when it does not know). Null when red-box did not
    /// answer at all (no socket, connection refused, red-box restarting) — or when the failure is of another kind.
    /// </summary>
    public string? SlurmUnreachableAt { get; init; }

    /// <summary>Classifies a failed command by what Slurm printed.</summary>
    public static SlurmException FromCommand(string command, int exitCode, string standardError)
    {
        var text = standardError.Trim();
        var message = $"{command} failed (exit {exitCode}): {(text.Length == 0 ? "no message" : text)}";
        return new SlurmException(Classify(text), message);
    }

    internal static SlurmErrorKind Classify(string standardError)
    {
        var text = standardError.ToLowerInvariant();
        if (text.Contains("unable to contact slurm controller", StringComparison.Ordinal)
            || text.Contains("socket timed out", StringComparison.Ordinal)
            || text.Contains("connection refused", StringComparison.Ordinal)
            || text.Contains("slurm_persist_conn_open", StringComparison.Ordinal)
            || text.Contains("slurmdbd", StringComparison.Ordinal) && text.Contains("connect", StringComparison.Ordinal)
            || text.Contains("temporarily unavailable", StringComparison.Ordinal)
            || text.Contains("communication connection failure", StringComparison.Ordinal))
        {
            return SlurmErrorKind.Unavailable;
        }
        if (text.Contains("invalid job id", StringComparison.Ordinal))
        {
            return SlurmErrorKind.NotFound;
        }
        if (text.Contains("access/permission denied", StringComparison.Ordinal)
            || text.Contains("permission denied", StringComparison.Ordinal)
            || text.Contains("access denied", StringComparison.Ordinal))
        {
            return SlurmErrorKind.PermissionDenied;
        }
        if (text.Contains("already completing or completed", StringComparison.Ordinal)
            || text.Contains("job is no longer pending", StringComparison.Ordinal))
        {
            return SlurmErrorKind.FailedPrecondition;
        }
        if (text.Contains("invalid", StringComparison.Ordinal)
            || text.Contains("batch job submission failed", StringComparison.Ordinal)
            || text.Contains("unrecognized option", StringComparison.Ordinal)
            || text.Contains("unknown option", StringComparison.Ordinal)
            || text.Contains("requested node configuration is not available", StringComparison.Ordinal)
            || text.Contains("not a valid", StringComparison.Ordinal))
        {
            return SlurmErrorKind.InvalidArgument;
        }
        return SlurmErrorKind.Internal;
    }
}
