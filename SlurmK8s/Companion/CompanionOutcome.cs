using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Companion;

/// <summary>
/// What a companion's session learned about how it ended, for its one-line <see cref="TerminationMessage"/>. The session
/// tells it as it goes; anything it did not tell is left to the exit code and the last problem logged.
/// </summary>
internal sealed class CompanionOutcome
{
    /// <summary>The Slurm job this SlurmJob runs as, once submitted (or re-attached to).</summary>
    public long? SlurmJobId { get; private set; }

    /// <summary>Slurm's view of the job when it ended; null until it has.</summary>
    public Proto.Job? Final { get; private set; }

    /// <summary>red-box's (Slurm's) words when the submission was refused.</summary>
    public string? SubmitRefusal { get; private set; }

    /// <summary>Why the results were not all collected (not writable, files missing).</summary>
    public string? ResultsProblem { get; private set; }

    /// <summary>What stopped the companion otherwise (the SlurmJob not found, red-box or the API server refusing).</summary>
    public string? Failure { get; private set; }

    public void Submitted(long slurmJobId) => SlurmJobId = slurmJobId;

    public void Ended(Proto.Job final)
    {
        Final = final;
        SlurmJobId = final.JobId;
    }

    public void SubmitRefused(string message) => SubmitRefusal = message;

    public void ResultsNotCollected(string problem) => ResultsProblem = problem;

    public void Failed(string problem) => Failure = problem;
}
