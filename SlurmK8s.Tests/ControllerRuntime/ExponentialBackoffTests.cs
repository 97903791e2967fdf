using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Tests.ControllerRuntime;

internal sealed class ExponentialBackoffTests
{
    private static readonly ExponentialBackoff Backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), Jitter: 0.5);

    [TestCase(0, 0.0, 0)]
    [TestCase(1, 0.0, 1000)]
    [TestCase(3, 0.0, 4000)]
    [TestCase(3, 1.0, 2000)]
    [TestCase(9, 0.0, 10000)]
    [TestCase(int.MaxValue, 0.5, 7500)]
    public void Delay_DoublesUpToTheCap_ShortenedByTheJitter(int failures, double random01, int expectedMilliseconds) =>
        Assert.That(Backoff.Delay(failures, random01), Is.EqualTo(TimeSpan.FromMilliseconds(expectedMilliseconds)));

    [TestCase(0.0, 2400)]
    [TestCase(0.5, 2200)]
    [TestCase(0.999999, 2000)]
    public void Jittered_LengthensTheSteadyPeriodByUpToTheFactor(double random01, int expectedMilliseconds)
    {
        var pause = ExponentialBackoff.Jittered(TimeSpan.FromSeconds(2), 0.2);

        Assert.That(pause.Delay(1, random01).TotalMilliseconds, Is.EqualTo(expectedMilliseconds).Within(1));
        Assert.That(pause.Delay(5, random01), Is.EqualTo(pause.Delay(1, random01)), "steady: failures do not lengthen it");
    }
}
