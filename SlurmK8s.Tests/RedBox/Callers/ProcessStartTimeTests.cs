using SlurmK8s.RedBox.Callers;

namespace SlurmK8s.Tests.RedBox.Callers;

internal sealed class ProcessStartTimeTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "cgroup", name));

    [TestCase("stat-captured-slurmd.txt", 8013UL)]
    [TestCase("stat-captured-comm-with-parens.txt", 78450UL)]
    public void Parse_OnCapturedStat_ReadsField22(string file, ulong expected)
    {
        Assert.That(ProcessStartTime.Parse(Fixture(file)), Is.EqualTo(expected));
    }

    private static IEnumerable<TestCaseData> HostileNames()
    {
        // A process names itself (prctl PR_SET_NAME, or its file name): it must not be able to shift the fields.
        yield return new TestCaseData("1 (x) 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0\n", 4242UL)
            .SetArgDisplayNames("name holding a fake field list");
        yield return new TestCaseData("7 ()) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0\n", 99UL).SetArgDisplayNames("name ')'");
        yield return new TestCaseData("7 (a b  c) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0", 5UL).SetArgDisplayNames("spaces, no newline");
    }

    [TestCaseSource(nameof(HostileNames))]
    public void Parse_WhenTheCommandNameHoldsSpacesAndParentheses_CountsFieldsAfterTheLastParenthesis(string stat, ulong expected)
    {
        Assert.That(ProcessStartTime.Parse(stat), Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase("garbage")]
    [TestCase("1 (x) S 1 2 3")]
    [TestCase("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5 0")]
    [TestCase("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12x 0")]
    [TestCase(") 1 (x S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12 0")]
    public void Parse_WhenTheTextIsNotAStatLine_IsNull(string stat)
    {
        Assert.That(ProcessStartTime.Parse(stat), Is.Null);
    }

    [Test]
    public void Read_ThisProcess_IsItsStartTimeAndStaysTheSame()
    {
        var first = ProcessStartTime.Read(Environment.ProcessId);

        Assert.That(first, Is.GreaterThan(0UL));
        Assert.That(ProcessStartTime.Read(Environment.ProcessId), Is.EqualTo(first));
    }

    [Test]
    public void Read_WhenNoSuchProcess_IsNull()
    {
        using var proc = new TempDirectory();

        Assert.That(ProcessStartTime.Read(12345, proc.Path), Is.Null);
    }
}
