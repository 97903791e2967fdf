using SlurmK8s.Slurm;
using SlurmK8s.Slurm.Parsing;

namespace SlurmK8s.Tests.Slurm;

public sealed class SlurmValuesTests
{
    [TestCase(0, 0, 0)]
    [TestCase(768, 3, 0)]      // exit 3, as 22.05's squeue reports it
    [TestCase(36608, 143, 0)]  // a TIMEOUT's 143<<8
    [TestCase(9, 0, 9)]        // killed by SIGKILL
    [TestCase(15, 0, 15)]      // scancel's SIGTERM
    public void FromWaitStatus_SplitsExitAndSignal(long status, int exit, int signal) =>
        Assert.That(SlurmValues.FromWaitStatus(status), Is.EqualTo((exit, signal)));

    [TestCase("3:0", 3, 0)]
    [TestCase("0:53", 0, 53)]
    [TestCase("", 0, 0)]
    public void ParseExitCode_ReadsExitColonSignal(string text, int exit, int signal) =>
        Assert.That(SlurmValues.ParseExitCode(text), Is.EqualTo((exit, signal)));

    [TestCase("UNLIMITED", null)]
    [TestCase("Partition_Limit", null)]
    [TestCase("5", 300)]
    [TestCase("5:00", 300)]
    [TestCase("00:10:00", 600)]
    [TestCase("1-00:00:00", 86400)]
    [TestCase("2-3", 2 * 86400 + 3 * 3600)]
    [TestCase("garbage", null)]
    public void ParseDuration_ReadsSlurmsTimeFormats(string text, int? seconds) =>
        Assert.That(SlurmValues.ParseDuration(text), Is.EqualTo(seconds is null ? null : TimeSpan.FromSeconds(seconds.Value)));

    [TestCase("1-3", new long[] { 1, 2, 3 })]
    [TestCase("1-3%2", new long[] { 1, 2, 3 })]
    [TestCase("1,4,7", new long[] { 1, 4, 7 })]
    [TestCase("0-8:4", new long[] { 0, 4, 8 })]
    [TestCase("", new long[0])]
    public void ExpandArrayIndexes_ReadsSlurmsArraySyntax(string expression, long[] expected) =>
        Assert.That(SlurmValues.ExpandArrayIndexes(expression), Is.EqualTo(expected));

    [TestCase("COMPLETED", "Completed")]
    [TestCase("CANCELLED by 1000", "Cancelled")]
    [TestCase("OUT_OF_MEMORY", "OutOfMemory")]
    [TestCase("TIMEOUT", "Timeout")]
    [TestCase("CG", "Completing")]
    [TestCase("", "Unknown")]
    public void JobStates_Parse(string word, string state) => Assert.That(JobStates.Parse(word), Is.EqualTo(Enum.Parse<JobState>(state)));

    [TestCase("sbatch: error: Batch job submission failed: Invalid partition name specified", "InvalidArgument")]
    [TestCase("slurm_load_jobs error: Invalid job id specified", "NotFound")]
    [TestCase("sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)", "Unavailable")]
    [TestCase("scancel: error: Kill job error on job id 5: Access/permission denied", "PermissionDenied")]
    [TestCase("sbatch: error: This does not look like a batch script.", "Internal")]
    public void SlurmException_ClassifiesSlurmsWords(string stderr, string kind) =>
        Assert.That(SlurmException.Classify(stderr), Is.EqualTo(Enum.Parse<SlurmErrorKind>(kind)));
}
