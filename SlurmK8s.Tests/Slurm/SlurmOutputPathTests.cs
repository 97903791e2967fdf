using SlurmK8s.Slurm;

namespace SlurmK8s.Tests.Slurm;

public sealed class SlurmOutputPathTests
{
    private static JobRecord Row(string stdOut, long jobId = 12, long? arrayId = null, long? task = null) => new()
    {
        JobId = jobId, ArrayJobId = arrayId, ArrayTaskId = task, State = JobState.Running, WorkDir = "/jobs/a", StdOut = stdOut,
        Name = "cow", User = "alice", NodeList = "n[2-3]",
    };

    [Test]
    public void Of_NoPathReported_IsSlurmsDefaultInTheWorkDir() =>
        Assert.That(SlurmOutputPath.Of(Row("")), Is.EqualTo("/jobs/a/slurm-12.out"));

    [Test]
    public void Of_ArrayTask_IsTheArraysDefaultNotSqueuesGuess()
    {
        Assert.That(SlurmOutputPath.Of(Row("/jobs/a/slurm-21.out", jobId: 21, arrayId: 20, task: 1)), Is.EqualTo("/jobs/a/slurm-20_1.out"));
        Assert.That(SlurmOutputPath.Of(Row("", jobId: 21, arrayId: 20, task: 1)), Is.EqualTo("/jobs/a/slurm-20_1.out"));
    }

    [TestCase("custom.txt", "/jobs/a/custom.txt")]
    [TestCase("/data/out/%x-%j.log", "/data/out/cow-12.log")]
    [TestCase("out_%A_%a_%u_%N.txt", "/jobs/a/out_12_4294967294_alice_n2.txt")]
    [TestCase("%5j.%%.%q", "/jobs/a/00012.%.%q")]
    [TestCase("trailing%", "/jobs/a/trailing%")]
    public void Of_ChosenPattern_IsExpandedAsSbatchDoes(string stdOut, string expected) =>
        Assert.That(SlurmOutputPath.Of(Row(stdOut)), Is.EqualTo(expected));

    [Test]
    public void Of_ArrayTaskPattern_UsesTheArrayIdAndIndex() =>
        Assert.That(SlurmOutputPath.Of(Row("/jobs/a/arr_%A_%3a.txt", jobId: 33, arrayId: 30, task: 2)), Is.EqualTo("/jobs/a/arr_30_002.txt"));

    [Test]
    public void Of_RelativeWithNoWorkDir_IsUnknown() =>
        Assert.That(SlurmOutputPath.Of(Row("") with { WorkDir = "" }), Is.Empty);
}
