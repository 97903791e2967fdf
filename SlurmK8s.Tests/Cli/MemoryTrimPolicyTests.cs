using SlurmK8s.Cli;

namespace SlurmK8s.Tests.Cli;

internal sealed class MemoryTrimPolicyTests
{
    private const long Busy = MemoryTrimPolicy.BusyBytes;
    private const long Quiet = 4 * 1024;

    /// <summary>
    /// Feeds the policy ticks that allocated these amounts (the first: what the process allocated before it, from its
    /// start); returns the 1-based ticks on which it trimmed.
    /// </summary>
    private static List<int> TrimmedOn(params long[] allocatedPerTick)
    {
        var policy = new MemoryTrimPolicy();
        var total = 0L;
        var trimmed = new List<int>();
        for (var i = 0; i < allocatedPerTick.Length; i++)
        {
            total += allocatedPerTick[i];
            if (policy.Tick(total))
            {
                trimmed.Add(i + 1);
            }
        }
        return trimmed;
    }

    [Test]
    public void Tick_AfterABusyStartUp_TrimsOnTheFirstAndSixthQuietTick() =>
        Assert.That(TrimmedOn(10 * Busy, Quiet, Quiet, Quiet, Quiet, Quiet, Quiet, Quiet), Is.EqualTo(new[] { 2, 7 }));

    [Test]
    public void Tick_WhenNeverBusy_NeverTrims() =>
        Assert.That(TrimmedOn(Quiet, Quiet, Quiet, Quiet, Quiet, Quiet, Quiet, Quiet, 0, 0), Is.Empty);

    [Test]
    public void Tick_AfterABurst_TrimsOnTheFirstAndSixthQuietTickOnly() =>
        Assert.That(TrimmedOn(Busy, 50 * Busy, Quiet, Quiet, Quiet, Quiet, Quiet, Quiet, Quiet, Quiet, Quiet), Is.EqualTo(new[] { 3, 8 }));

    [Test]
    public void Tick_WhenBusyAgainBeforeTheSixthQuietTick_StartsOver() =>
        Assert.That(TrimmedOn(Busy, Quiet, Quiet, Busy, Quiet, Quiet, Quiet, Quiet, Quiet, Quiet), Is.EqualTo(new[] { 2, 5, 10 }));

    [Test]
    public void Tick_WhileBusy_NeverTrims() =>
        Assert.That(TrimmedOn(Busy, Busy, Busy, 2 * Busy, Busy, Busy, Busy), Is.Empty);
}
