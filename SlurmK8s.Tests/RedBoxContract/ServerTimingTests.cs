using SlurmK8s.Tests.Integration;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.Tests.RedBoxContract;

public sealed class ServerTimingTests
{
    [Test]
    public void Format_IsReadBackByTryParse()
    {
        var value = ServerTiming.Format("submit", TimeSpan.FromMicroseconds(3612));

        Assert.That(value, Is.EqualTo("submit;dur=3.612"));
        Assert.That(ServerTimingTrailer.TryRead(value, "submit", out var duration), Is.True);
        Assert.That(duration.TotalMilliseconds, Is.EqualTo(3.612).Within(1e-9));
    }

    [TestCase("db;dur=1.5, submit;desc=\"sbatch\";dur=2.25", 2.25)]
    [TestCase("submit;dur=7", 7.0)]
    public void TryParse_FindsTheMetricAmongOthers(string value, double expectedMillis)
    {
        Assert.That(ServerTimingTrailer.TryRead(value, "submit", out var duration), Is.True);
        Assert.That(duration.TotalMilliseconds, Is.EqualTo(expectedMillis).Within(1e-9));
    }

    [TestCase("")]
    [TestCase("db;dur=1.5")]
    [TestCase("submit")]
    [TestCase("submit;dur=soon")]
    public void TryParse_WithoutTheMetricsDuration_IsFalse(string value) =>
        Assert.That(ServerTimingTrailer.TryRead(value, "submit", out _), Is.False);
}
