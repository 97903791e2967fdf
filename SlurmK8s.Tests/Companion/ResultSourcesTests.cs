using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Companion;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Companion;

internal sealed class ResultSourcesTests
{
    private static readonly Proto.Job Plain = new() { JobId = 12, WorkDir = "/jobs", StdOut = "/jobs/slurm-12.out" };

    [Test]
    public void For_Nothing_IsTheJobsOutput() =>
        Assert.That(ResultSources.For(null, Plain), Is.EqualTo(new[] { "/jobs/slurm-12.out" }));

    [Test]
    public void For_NothingAndRedBoxKnewNoOutputPath_IsNothing_NoNameIsMadeUp() =>
        Assert.That(ResultSources.For(new SlurmJobResults(), new Proto.Job { JobId = 12, WorkDir = "/jobs" }), Is.Empty);

    [Test]
    public void For_From_IsThatFileInTheWorkDir() =>
        Assert.That(ResultSources.For(new SlurmJobResults { From = "cow.out" }, Plain), Is.EqualTo(new[] { "/jobs/cow.out" }));

    [Test]
    public void For_FromAndFiles_AreCollectedTogetherAbsoluteKeptRelativeJoinedDuplicatesDropped() =>
        Assert.That(ResultSources.For(new SlurmJobResults { From = "cow.out", Files = ["out/*.csv", "/data/x.txt", " ", "out/*.csv", "cow.out"] }, Plain),
            Is.EqualTo(new[] { "/jobs/cow.out", "/jobs/out/*.csv", "/data/x.txt" }));

    [Test]
    public void For_Array_IsEveryStartedTasksOutput()
    {
        var job = new Proto.Job { JobId = 20, WorkDir = "/jobs" };
        job.ArrayTasks.Add(new Proto.ArrayTask { TaskId = 1, JobId = 21, StdOut = "/jobs/slurm-20_1.out" });
        job.ArrayTasks.Add(new Proto.ArrayTask { TaskId = 2, JobId = 20, StdOut = "/jobs/out-2.txt" });
        job.ArrayTasks.Add(new Proto.ArrayTask { TaskId = 3, JobId = 0 });

        Assert.That(ResultSources.For(null, job), Is.EqualTo(new[] { "/jobs/slurm-20_1.out", "/jobs/out-2.txt" }));
    }

    [TestCase("/jobs/out/a.csv", "/jobs", "out/a.csv")]
    [TestCase("/jobs/slurm-12.out", "/jobs", "slurm-12.out")]
    [TestCase("/data/x.txt", "/jobs", "x.txt")]
    [TestCase("/jobs-evil/x.txt", "/jobs", "x.txt")]
    [TestCase("/jobs/a.txt", "", "a.txt")]
    public void Destination_KeepsFoldersBelowTheWorkDirElseTheName(string source, string workDir, string expected) =>
        Assert.That(ResultSources.Destination(source, workDir), Is.EqualTo(expected));
}
