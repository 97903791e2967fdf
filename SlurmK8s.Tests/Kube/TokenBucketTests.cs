using SlurmK8s.Kube;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.Kube;

internal sealed class TokenBucketTests
{
    [Test]
    public void Reserve_WithinTheBurst_DoesNotWait()
    {
        var bucket = new TokenBucket(qps: 10, burst: 3, new ManualTimeProvider());

        var waits = Enumerable.Range(0, 3).Select(_ => bucket.Reserve()).ToList();

        Assert.That(waits, Is.All.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public void Reserve_BeyondTheBurst_WaitsOneIntervalMorePerRequest()
    {
        var bucket = new TokenBucket(qps: 10, burst: 2, new ManualTimeProvider());
        bucket.Reserve();
        bucket.Reserve();

        var waits = Enumerable.Range(0, 3).Select(_ => bucket.Reserve().TotalMilliseconds).ToList();

        Assert.That(waits, Is.EqualTo(new[] { 100.0, 200.0, 300.0 }).Within(0.001), "queued in the order they came, 1/qps apart");
    }

    [Test]
    public void Reserve_AfterAQuietSpell_RefillsUpToTheBurstOnly()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(qps: 10, burst: 2, clock);
        bucket.Reserve();
        bucket.Reserve();

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.That(new[] { bucket.Reserve(), bucket.Reserve() }, Is.All.EqualTo(TimeSpan.Zero));
        Assert.That(bucket.Reserve().TotalMilliseconds, Is.EqualTo(100).Within(0.001), "a minute's quiet buys the burst, not 600");
    }

    [Test]
    public async Task TakeAsync_WhenEmpty_ReturnsOnceTheTokenIsThere()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(qps: 4, burst: 1, clock);
        await bucket.TakeAsync(CancellationToken.None);

        var second = bucket.TakeAsync(CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.That(second.IsCompleted, Is.False, "a token every 250 ms");
        clock.Advance(TimeSpan.FromMilliseconds(50));

        Assert.That(await second.WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo(TimeSpan.FromMilliseconds(250)));
    }

    [TestCase(0.0, 1)]
    [TestCase(5.0, 0)]
    public void Constructor_WithoutARateOrABurst_Refuses(double qps, int burst) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TokenBucket(qps, burst));
}
