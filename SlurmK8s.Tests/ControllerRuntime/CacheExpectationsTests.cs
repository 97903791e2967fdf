using SlurmK8s.ControllerRuntime;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.ControllerRuntime;

internal sealed class CacheExpectationsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ManualTimeProvider _clock = null!;
    private CacheExpectations _expected = null!;
    private HashSet<string> _cached = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new ManualTimeProvider();
        _expected = new CacheExpectations(Patience, _clock);
        _cached = [];
    }

    [Test]
    public void Wait_WhenNothingIsExpected_GoesAhead() =>
        Assert.That(_expected.Wait("ns/a", "5", _cached.Contains), Is.Null);

    [Test]
    public void Wait_WhenTheCacheShowsAVersionOurWriteReplaced_WaitsForTheWatch()
    {
        _expected.Replaced("ns/a", "5");
        _expected.Replaced("ns/a", "6");

        Assert.That(_expected.Wait("ns/a", "5", _cached.Contains), Is.EqualTo(Patience));
        Assert.That(_expected.Wait("ns/a", "6", _cached.Contains), Is.EqualTo(Patience));
        Assert.That(_expected.Wait("ns/b", "5", _cached.Contains), Is.Null, "another key");
    }

    [Test]
    public void Wait_OnceTheCacheHasMovedPastOurWrites_GoesAheadAndForgets()
    {
        _expected.Replaced("ns/a", "5");

        Assert.That(_expected.Wait("ns/a", "7", _cached.Contains), Is.Null);
        Assert.That(_expected.Count, Is.Zero);
    }

    [Test]
    public void Wait_WhileAnObjectWeCreatedIsNotCached_Waits_ThenGoesAhead()
    {
        _expected.Created("ns/a", "ns/a-job");
        Assert.That(_expected.Wait("ns/a", "5", _cached.Contains), Is.Not.Null);

        _cached.Add("ns/a-job");

        Assert.That(_expected.Wait("ns/a", "5", _cached.Contains), Is.Null);
    }

    [Test]
    public void Wait_WhileAnObjectWeDeletedIsStillCached_Waits_ThenGoesAhead()
    {
        _cached.Add("ns/a-job");
        _expected.Deleted("ns/a", "ns/a-job");
        Assert.That(_expected.Wait("ns/a", "5", _cached.Contains), Is.Not.Null);

        _cached.Remove("ns/a-job");

        Assert.That(_expected.Wait("ns/a", "5", _cached.Contains), Is.Null);
    }

    [Test]
    public void Wait_WhenTheWatchNeverShowsTheWrite_GoesAheadAfterThePatience()
    {
        _expected.Created("ns/a", "ns/a-job");
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.That(_expected.Wait("ns/a", "5", _cached.Contains), Is.EqualTo(TimeSpan.FromSeconds(10)), "the rest of the patience");

        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.That(_expected.Wait("ns/a", "5", _cached.Contains), Is.Null);
        Assert.That(_expected.Count, Is.Zero);
    }

    [Test]
    public void Forget_DropsWhatWasExpected()
    {
        _expected.Created("ns/a", "ns/a-job");

        _expected.Forget("ns/a");

        Assert.That(_expected.Wait("ns/a", "5", _cached.Contains), Is.Null);
    }
}
