using Microsoft.Extensions.Logging;
using SlurmK8s.Cli;

namespace SlurmK8s.Tests.Cli;

/// <summary>The companion's own lines among a job's output: one short marked line per entry.</summary>
internal sealed class HumanConsoleFormatterTests
{
    private static IEnumerable<TestCaseData> Entries()
    {
        yield return new TestCaseData(LogLevel.Information, "Submitted to Slurm as job 42", null, "[slurmk8s] Submitted to Slurm as job 42");
        yield return new TestCaseData(LogLevel.Warning, "red-box unavailable, retrying: connection refused", null,
            "[slurmk8s] warning: red-box unavailable, retrying: connection refused");
        yield return new TestCaseData(LogLevel.Error, "Submission refused (SlurmSubmitRefused): sbatch: error: Invalid account\nsbatch: error: Batch job submission failed\n", null,
            "[slurmk8s] error: Submission refused (SlurmSubmitRefused): sbatch: error: Invalid account sbatch: error: Batch job submission failed");
        yield return new TestCaseData(LogLevel.Critical, "The companion failed unexpectedly", new IOException("Broken pipe\n  at the socket"),
            "[slurmk8s] error: The companion failed unexpectedly (IOException: Broken pipe at the socket)");
        yield return new TestCaseData(LogLevel.Error, "", new InvalidOperationException("no message of ours"),
            "[slurmk8s] error: InvalidOperationException: no message of ours");
        yield return new TestCaseData(LogLevel.Debug, "\ttabbed\r\n  and  spaced  ", null, "[slurmk8s] debug: tabbed and  spaced");
        yield return new TestCaseData(LogLevel.Information, "{\"Category\":\"not ours\"}", null, "[slurmk8s] {\"Category\":\"not ours\"}");
    }

    [TestCaseSource(nameof(Entries))]
    public void Line_OfAnEntry_IsOneMarkedLine(LogLevel level, string message, Exception? exception, string expected) =>
        Assert.That(HumanConsoleFormatter.Line(level, message, exception), Is.EqualTo(expected));

    [TestCase(null, "")]
    [TestCase("a\n\n\nb", "a b")]
    [TestCase("a \n b", "a b")]
    [TestCase("\u001b[31mred\u001b[0m", "[31mred [0m")]
    [TestCase("  keeps  inner  spaces  ", "keeps  inner  spaces")]
    public void OneLine_FoldsControlCharacters(string? text, string expected) =>
        Assert.That(HumanConsoleFormatter.OneLine(text), Is.EqualTo(expected));
}
