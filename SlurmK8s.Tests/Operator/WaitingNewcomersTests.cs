using SlurmK8s.Operator;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

namespace SlurmK8s.Tests.Operator;

/// <summary>The waiting newcomers in order: the SlurmJob made first comes first, ties by key.</summary>
internal sealed class WaitingNewcomersTests
{
    [Test]
    public void Oldest_IsByCreationThenKey_AndAJobWaitingAgainKeepsItsPlace()
    {
        var waiting = new WaitingNewcomers();
        waiting.Wait("b/late", Now.AddSeconds(5));
        waiting.Wait("b/second", Now);
        waiting.Wait("a/first", Now);
        waiting.Wait("a/oldest", Now.AddSeconds(-1));
        waiting.Wait("b/second", Now);

        Assert.That(waiting.Oldest(3), Is.EqualTo(new[] { "a/oldest", "a/first", "b/second" }));
        Assert.That(waiting.Oldest(10), Has.Count.EqualTo(4));
        Assert.That(waiting.Count, Is.EqualTo(4));
    }

    [Test]
    public void Leave_TakesAJobOutOfLine_AndWaitingWithAnotherTimeMovesIt()
    {
        var waiting = new WaitingNewcomers();
        waiting.Wait("a/one", Now);
        waiting.Wait("a/two", Now.AddSeconds(1));
        waiting.Wait("a/three", Now.AddSeconds(2));

        waiting.Leave("a/one");
        waiting.Leave("a/never-waited");
        waiting.Wait("a/three", Now);   // recreated under the same name: its own creation time

        Assert.That(waiting.Oldest(5), Is.EqualTo(new[] { "a/three", "a/two" }));
        Assert.That(waiting.Count, Is.EqualTo(2));
    }

    [Test]
    public void Oldest_FromAThousandWaiting_ReadsOffTheFront()
    {
        var waiting = new WaitingNewcomers();
        for (var i = 999; i >= 0; i--)
        {
            waiting.Wait($"ns/job-{i:D4}", Now.AddSeconds(i));
        }

        Parallel.For(0, 500, i => waiting.Leave($"ns/job-{i * 2:D4}"));

        Assert.That(waiting.Oldest(2), Is.EqualTo(new[] { "ns/job-0001", "ns/job-0003" }));
        Assert.That(waiting.Count, Is.EqualTo(500));
    }
}
