using SlurmK8s.RedBox;

namespace SlurmK8s.Tests.RedBox;

public sealed class KeyedLockTests
{
    [Test]
    public async Task SameKey_WaitsForTheHolder()
    {
        var locks = new KeyedLock();
        var first = await locks.AcquireAsync("k", CancellationToken.None);

        var second = locks.AcquireAsync("k", CancellationToken.None);
        await Task.Delay(50);
        Assert.That(second.IsCompleted, Is.False);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Test]
    public async Task OtherKeys_NeverWait()
    {
        var locks = new KeyedLock();
        using var held = await locks.AcquireAsync("k", CancellationToken.None);

        // 1,000 other keys: with lock stripes some would have shared the held key's stripe.
        for (var i = 0; i < 1000; i++)
        {
            var other = locks.AcquireAsync($"other-{i}", CancellationToken.None);
            Assert.That(other.IsCompletedSuccessfully, Is.True, $"other-{i} waited");
            other.Result.Dispose();
        }
    }

    [Test]
    public async Task Keys_AreForgottenWhenNobodyHoldsOrWaits()
    {
        var locks = new KeyedLock();
        var first = await locks.AcquireAsync("k", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = locks.AcquireAsync("k", cancel.Token);
        Assert.That(locks.Count, Is.EqualTo(1));

        await cancel.CancelAsync();
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
        first.Dispose();
        first.Dispose(); // twice is harmless

        Assert.That(locks.Count, Is.Zero);
        using var again = await locks.AcquireAsync("k", CancellationToken.None);
    }
}
