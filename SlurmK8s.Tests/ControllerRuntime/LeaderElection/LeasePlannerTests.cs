using SlurmK8s.ControllerRuntime.LeaderElection;

namespace SlurmK8s.Tests.ControllerRuntime.LeaderElection;

internal sealed class LeasePlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Earlier = Now.AddMinutes(-5);
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string name, LeaseRecord? current, double secondsSinceObserved, LeaseRecord? expected) =>
            new TestCaseData(current, secondsSinceObserved, expected).SetName("Plan_" + name);

        yield return Case("NoLease_CreatesItHeldByMe", null, 0, new LeaseRecord("me", 15, Now, Now, 0));
        yield return Case("HeldByMe_RenewsKeepingAcquireTimeAndTransitions",
            new LeaseRecord("me", 15, Earlier, Earlier, 3, "41"), 14, new LeaseRecord("me", 15, Earlier, Now, 3, "41"));
        yield return Case("HeldByOtherAndFresh_Waits", new LeaseRecord("other", 15, Earlier, Earlier, 2, "7"), 5, null);
        yield return Case("HeldByOtherJustBeforeExpiry_Waits", new LeaseRecord("other", 15, Earlier, Earlier, 2, "7"), 14.999, null);
        yield return Case("HeldByOtherExpired_TakesOver",
            new LeaseRecord("other", 15, Earlier, Earlier, 2, "7"), 15, new LeaseRecord("me", 15, Now, Now, 3, "7"));
        yield return Case("HeldByOtherWithShortLeaseExpired_TakesOver",
            new LeaseRecord("other", 1, Earlier, Earlier, 2, "7"), 1.5, new LeaseRecord("me", 15, Now, Now, 3, "7"));
        yield return Case("Released_TakesOverAtOnce",
            new LeaseRecord("", 1, Earlier, Earlier, 4, "9"), 0, new LeaseRecord("me", 15, Now, Now, 5, "9"));
        yield return Case("NoHolder_TakesOverAtOnce",
            new LeaseRecord(null, 15, null, null, 0, "9"), 0, new LeaseRecord("me", 15, Now, Now, 1, "9"));
    }

    /// <summary>The elapsed time since this process saw the lease change decides, never the renewTime another clock wrote.</summary>
    [TestCaseSource(nameof(Cases))]
    public void Plan_DecidesWhatToWrite(LeaseRecord? current, double secondsSinceObserved, LeaseRecord? expected)
    {
        var plan = LeasePlanner.Plan(current, "me", Duration, TimeSpan.FromSeconds(secondsSinceObserved), Now);

        Assert.That(plan, Is.EqualTo(expected));
    }

    [Test]
    public void Plan_LeaseDuration_IsRoundedUpToWholeSeconds()
    {
        var plan = LeasePlanner.Plan(null, "me", TimeSpan.FromMilliseconds(2500), TimeSpan.Zero, Now);

        Assert.That(plan!.LeaseDurationSeconds, Is.EqualTo(3));
    }

    [Test]
    public void Release_ClearsTheHolderKeepsTransitionsAndVersion()
    {
        var held = new LeaseRecord("me", 15, Earlier, Earlier, 3, "41");

        Assert.That(LeasePlanner.Release(held, Now), Is.EqualTo(new LeaseRecord("", 1, Now, Now, 3, "41")));
    }
}
