using SlurmK8s.Slurm;
using SlurmK8s.Slurm.Parsing;

namespace SlurmK8s.Tests.Slurm;

public sealed class SqueueFormatTests
{
    private static readonly IReadOnlyList<JobRecord> Rows = SqueueFormat.Parse(Fixture.Read("redbox-squeue.txt"));

    private static JobRecord Row(string situation) => Rows.Single(r => r.JobId == Fixture.Id(situation));

    [TestCase("completed", "Completed", 0, 0, "None")]
    [TestCase("failed", "Failed", 3, 0, "NonZeroExitCode")]
    [TestCase("held", "Pending", 0, 0, "JobHeldUser")]
    [TestCase("running", "Running", 0, 0, "None")]
    [TestCase("cancelled", "Cancelled", 0, 15, "None")]
    public void Parse_ReadsStateExitCodeAndReason(string situation, string state, int exit, int signal, string reason)
    {
        var row = Row(situation);

        Assert.That((row.State, row.ExitCode, row.Signal), Is.EqualTo((Enum.Parse<JobState>(state), exit, signal)));
        Assert.That(row.Reason, Is.EqualTo(reason == "None" ? "" : reason), "Slurm's \"None\" means no reason");
        Assert.That(row.Name, Is.EqualTo(situation));
        Assert.That(row.User, Is.EqualTo("root"));
    }

    [Test]
    public void Parse_ReadsTimesLimitsAndPaths()
    {
        var failed = Row("failed");
        var held = Row("held");

        Assert.That(failed.TimeLimit, Is.EqualTo(TimeSpan.FromMinutes(5)));
        Assert.That(failed.StartTime, Is.Not.Null);
        Assert.That(failed.EndTime, Is.GreaterThanOrEqualTo(failed.StartTime));
        Assert.That(failed.StdOut, Does.EndWith($"/slurm-{failed.JobId}.out"));
        Assert.That(failed.NodeList, Does.Match("^n[0-9]$"));
        Assert.That(held.StartTime, Is.Null);
        Assert.That(held.TimeLimit, Is.Null, "UNLIMITED");
        Assert.That(held.NodeList, Is.Empty);
    }

    [Test]
    public void Parse_KeepsACommentWithSpacesAndBarsWhole()
    {
        Assert.That(Row("spaced").Comment, Is.EqualTo("a comment with spaces | and a bar"));
        Assert.That(Row("completed").Comment, Is.EqualTo("slurmk8s-key=fixture-completed"));
        Assert.That(Row("failed").Comment, Is.Empty, "(null) means no comment");
    }

    [Test]
    public void Parse_ArrayTasks_CarryTheArrayIdAndTheirIndex()
    {
        var arrayId = Fixture.Id("array");
        var tasks = Rows.Where(r => r.ArrayJobId == arrayId).OrderBy(r => r.ArrayTaskId).ToList();

        Assert.That(tasks.Select(t => t.ArrayTaskId), Is.EqualTo(new long?[] { 1, 2, 3 }));
        Assert.That(tasks.Select(t => t.ExitCode), Is.EqualTo(new[] { 0, 1, 0 }));
    }

    [Test]
    public void Parse_PendingArray_IsOneRowWithTheTasksStillToRun()
    {
        var held = Row("array_held");

        Assert.That(held.ArrayJobId, Is.EqualTo(held.JobId));
        Assert.That(held.ArrayTaskId, Is.Null);
        Assert.That(held.PendingArrayTasks, Is.EqualTo("1-3%2"));
    }

    [Test]
    public void FormatArgument_NamesEveryFieldWithTheSeparator()
    {
        Assert.That(SqueueFormat.FormatArgument, Does.StartWith("JobID:\x1f,"));
        Assert.That(SqueueFormat.FormatArgument, Does.EndWith("Comment:\x1f"));
    }
}
