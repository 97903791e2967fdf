using SlurmK8s.Cli;
using SlurmK8s.Companion;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Companion;

/// <summary>The companion's last word, read by the operator into the SlurmJob's condition: one sentence saying how it ended.</summary>
internal sealed class TerminationMessageTests
{
    private static Proto.Job Final(long id, Proto.JobState state, string word, int exitCode = 0, int signal = 0, string reason = "") =>
        new() { JobId = id, State = state, SlurmState = word, ExitCode = exitCode, Signal = signal, Reason = reason, Finished = true };

    private static CompanionOutcome Ended(Proto.Job final)
    {
        var outcome = new CompanionOutcome();
        outcome.Submitted(final.JobId);
        outcome.Ended(final);
        return outcome;
    }

    private static IEnumerable<TestCaseData> Told()
    {
        yield return new TestCaseData(ExitCodes.Success, Ended(Final(42, Proto.JobState.Completed, "COMPLETED")), "red-box unavailable, retrying: x",
            "Slurm job 42 COMPLETED (script exit code 0)").SetName("Summarize_Completed");
        yield return new TestCaseData(ExitCodes.JobFailed, Ended(Final(43, Proto.JobState.Failed, "FAILED", 1, reason: "NonZeroExitCode")), null,
            "Slurm job 43 FAILED (script exit code 1; NonZeroExitCode)").SetName("Summarize_Failed");
        yield return new TestCaseData(ExitCodes.JobFailed, Ended(Final(44, Proto.JobState.Timeout, "TIMEOUT", 0, 15, "TimeLimit")), null,
            "Slurm job 44 TIMEOUT (script exit code 0, signal 15; TimeLimit)").SetName("Summarize_TimedOut");
        yield return new TestCaseData(ExitCodes.JobFailed, Ended(Final(45, Proto.JobState.Unknown, "")), null,
            "Slurm job 45 UNKNOWN").SetName("Summarize_LostBySlurm");
        yield return new TestCaseData(ExitCodes.JobCancelled, Ended(Final(46, Proto.JobState.Cancelled, "CANCELLED", 0, 15, "None")), null,
            "Slurm job 46 CANCELLED (script exit code 0, signal 15)").SetName("Summarize_Cancelled");
        var refused = new CompanionOutcome();
        refused.SubmitRefused("sbatch: error: Batch job submission failed:\nInvalid account or account/partition combination specified");
        yield return new TestCaseData(ExitCodes.SubmitRefused, refused, "Event could not be posted",
            "red-box refused the script: sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified")
            .SetName("Summarize_SubmitRefused_SaysSlurmsWordsOnOneLine");
        var notWritable = Ended(Final(47, Proto.JobState.Completed, "COMPLETED"));
        notWritable.ResultsNotCollected("/results/cow-job is not writable by uid 1000");
        yield return new TestCaseData(ExitCodes.ResultsNotWritable, notWritable, null,
            "Slurm job 47 COMPLETED (script exit code 0); results not collected: /results/cow-job is not writable by uid 1000")
            .SetName("Summarize_ResultsNotWritable");
        var running = new CompanionOutcome();
        running.Submitted(48);
        yield return new TestCaseData(ExitCodes.Terminated, running, null,
            "stopped (SIGTERM) before the job ended; Slurm job 48 keeps running for the next companion").SetName("Summarize_Stopped");
    }

    [TestCaseSource(nameof(Told))]
    public void Summarize_FromWhatTheSessionTold(int exitCode, CompanionOutcome outcome, string? lastProblem, string expected) =>
        Assert.That(TerminationMessage.Summarize(exitCode, outcome, lastProblem), Is.EqualTo(expected));

    // What the exit code and the last problem logged say, before (or without) the session telling anything.
    [TestCase(ExitCodes.Success, "red-box unavailable, retrying: x", "the Slurm job COMPLETED")]
    [TestCase(ExitCodes.SubmitRefused, "Submission refused (SlurmSubmitRefused): Invalid account", "red-box refused the script: Submission refused (SlurmSubmitRefused): Invalid account")]
    [TestCase(ExitCodes.ResultsNotWritable, "/results/x is owned by uid 0", "results not collected: /results/x is owned by uid 0")]
    [TestCase(ExitCodes.ResultsIncomplete, "Result files not found: out.txt", "the Slurm job COMPLETED; results incomplete: Result files not found: out.txt")]
    [TestCase(ExitCodes.Failure, "SlurmJob default/cow not found", "failed: SlurmJob default/cow not found")]
    [TestCase(ExitCodes.Failure, null, "failed: exit code 1")]
    [TestCase(ExitCodes.BadUsage, "--namespace is required", "bad usage: --namespace is required")]
    [TestCase(ExitCodes.Terminated, null, "stopped (SIGTERM) before a Slurm job was submitted")]
    [TestCase(ExitCodes.JobCancelled, null, "cancelled: the SlurmJob was deleted")]
    public void Summarize_WithoutOutcome_FallsBackOnTheExitCodeAndTheLastProblem(int exitCode, string? lastProblem, string expected) =>
        Assert.That(TerminationMessage.Summarize(exitCode, new CompanionOutcome(), lastProblem), Is.EqualTo(expected));

    [Test]
    public void Summarize_ALongProblem_IsCutToOneShortLine()
    {
        var summary = TerminationMessage.Summarize(ExitCodes.Failure, null, string.Join("\n", Enumerable.Repeat("red-box failed (Internal): something long", 20)));

        Assert.That(summary, Has.Length.LessThanOrEqualTo(TerminationMessage.MaxLength).And.EndsWith("…").And.StartsWith("failed: red-box failed (Internal): something long red-box"));
        Assert.That(summary, Does.Not.Contain("\n"));
    }

    [Test]
    public void TryWrite_AnUnwritablePath_ReturnsFalse()
    {
        using var dir = new TempDirectory();

        Assert.That(TerminationMessage.TryWrite(Path.Join(dir.Path, "no-such-dir", "termination-log"), "x"), Is.False);
        Assert.That(TerminationMessage.TryWrite("", "x"), Is.False);
    }

    [Test]
    public void TryWrite_AnotherPath_WritesTheLine()
    {
        using var dir = new TempDirectory();
        var path = Path.Join(dir.Path, "termination-log");

        Assert.That(TerminationMessage.TryWrite(path, "Slurm job 42 COMPLETED (script exit code 0)"), Is.True);
        Assert.That(File.ReadAllText(path), Is.EqualTo("Slurm job 42 COMPLETED (script exit code 0)"));
    }
}
