using SlurmK8s.Operator;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

namespace SlurmK8s.Tests.Operator;

/// <summary>The waiting newcomers in order: the namespace holding the fewest slots first; within it, and between namespaces holding as many, the SlurmJob made first, ties by key.</summary>
internal sealed class WaitingNewcomersTests
{
    private static readonly Dictionary<string, int> NoSlots = [];

    [Test]
    public void Next_ATenantsFlood_TakesTurnsWithAnotherTenantsOneJob_FewestSlotsHeldFirst()
    {
        // team-a made 50 SlurmJobs first and holds 2 slots; team-b made one later and holds none; team-c holds 1.
        var waiting = new WaitingNewcomers();
        for (var i = 0; i < 50; i++)
        {
            waiting.Wait($"team-a/flood-{i:D2}", Now.AddSeconds(i));
        }
        waiting.Wait("team-b/late", Now.AddMinutes(5));
        waiting.Wait("team-c/one", Now.AddMinutes(6));
        waiting.Wait("team-c/two", Now.AddMinutes(7));
        var held = new Dictionary<string, int> { ["team-a"] = 2, ["team-c"] = 1 };

        Assert.That(waiting.Next(1, held), Is.EqualTo(new[] { "team-b/late" }));
        // b then holds 1 as c does, and c's waited less: then c (2 with b's), then a, b and c at 2 each: a's oldest, c's next.
        Assert.That(waiting.Next(5, held), Is.EqualTo(new[] { "team-b/late", "team-c/one", "team-a/flood-00", "team-c/two", "team-a/flood-01" }));
        Assert.That(waiting.Next(2, NoSlots), Is.EqualTo(new[] { "team-a/flood-00", "team-b/late" }), "holding none, each namespace's first in turn, the longest waiting first");
        Assert.That(waiting.Namespaces, Is.EqualTo(3));
    }

    [Test]
    public void Next_WithinANamespace_IsByCreationThenKey_AndAJobWaitingAgainKeepsItsPlace()
    {
        var waiting = new WaitingNewcomers();
        waiting.Wait("a/late", Now.AddSeconds(5));
        waiting.Wait("a/second", Now);
        waiting.Wait("a/first", Now);
        waiting.Wait("a/oldest", Now.AddSeconds(-1));
        waiting.Wait("a/second", Now);

        Assert.That(waiting.Next(3, NoSlots), Is.EqualTo(new[] { "a/oldest", "a/first", "a/second" }));
        Assert.That(waiting.Next(10, NoSlots), Has.Count.EqualTo(4));
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

        Assert.That(waiting.Next(5, NoSlots), Is.EqualTo(new[] { "a/three", "a/two" }));
        Assert.That(waiting.Count, Is.EqualTo(2));
    }

    [Test]
    public void Next_FromAThousandWaiting_ReadsOffTheFront()
    {
        var waiting = new WaitingNewcomers();
        for (var i = 999; i >= 0; i--)
        {
            waiting.Wait($"ns/job-{i:D4}", Now.AddSeconds(i));
        }

        Parallel.For(0, 500, i => waiting.Leave($"ns/job-{i * 2:D4}"));

        Assert.That(waiting.Next(2, NoSlots), Is.EqualTo(new[] { "ns/job-0001", "ns/job-0003" }));
        Assert.That(waiting.Count, Is.EqualTo(500));
    }
}
