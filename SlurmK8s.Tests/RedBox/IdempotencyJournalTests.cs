using SlurmK8s.RedBox;

namespace SlurmK8s.Tests.RedBox;

public sealed class IdempotencyJournalTests
{
    [Test]
    public async Task Record_IsReadBackByTheNextJournal()
    {
        using var dir = new TempDirectory();
        using (var journal = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(1)))
        {
            await journal.RecordAsync("k1", 41);
            await journal.RecordAsync("k2", 42);
        }

        using var reopened = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(1));

        Assert.That(reopened.TryGet("k2", out var id), Is.True);
        Assert.That(id, Is.EqualTo(42));
        Assert.That(reopened.Count, Is.EqualTo(2));
    }

    [Test]
    public async Task Record_OfAKnownKey_KeepsTheFirstJobAndWritesNothing()
    {
        using var dir = new TempDirectory();
        using var journal = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(1));
        await journal.RecordAsync("k", 41);

        await journal.RecordAsync("k", 99);

        Assert.That(journal.TryGet("k", out var id) ? id : 0, Is.EqualTo(41));
        Assert.That(journal.Flushes, Is.EqualTo(1));
    }

    [Test]
    public async Task Record_ManyAtOnce_AllDurableWithFewerFsyncsThanEntries()
    {
        using var dir = new TempDirectory();
        const int entries = 64;
        long flushes;
        using (var journal = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(1)))
        {
            using var start = new Barrier(entries);
            var records = Enumerable.Range(0, entries).Select(i => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                return journal.RecordAsync($"k{i}", 1000 + i);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToList();
            await Task.WhenAll(records);
            flushes = journal.Flushes;
        }

        using var reopened = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(1));
        Assert.That(reopened.Count, Is.EqualTo(entries));
        Assert.That(Enumerable.Range(0, entries).All(i => reopened.TryGet($"k{i}", out var id) && id == 1000 + i), Is.True);
        // Entries that arrive while one fsync runs share the next: group commit.
        Assert.That(flushes, Is.InRange(1, entries - 1));
        TestContext.Out.WriteLine($"{entries} concurrent entries, {flushes} fsyncs");
    }

    [Test]
    public void Record_WhenTheWriteFails_FaultsInsteadOfHangingAndKeepsTheMapping()
    {
        using var dir = new TempDirectory();
        var journal = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(1));
        journal.Dispose(); // the file is closed: every write fails

        var record = journal.RecordAsync("k", 41);

        Assert.That(() => record.Wait(TimeSpan.FromSeconds(5)), Throws.InstanceOf<AggregateException>());
        // The job exists in Slurm whatever the disk said: a retry with the key must get it, not a second job.
        Assert.That(journal.TryGet("k", out var id) ? id : 0, Is.EqualTo(41));
        // The failed flush handed on: a later record fails too rather than waiting for a flusher that never comes.
        Assert.That(() => journal.RecordAsync("k2", 42).Wait(TimeSpan.FromSeconds(5)), Throws.InstanceOf<AggregateException>());
    }

    [Test]
    public void Open_WhenLastLineIsTorn_KeepsEveryWholeEntry()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("j"), "k1\t41\t1900000000\nk2\t4");

        using var journal = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(36500));

        Assert.That(journal.TryGet("k1", out _), Is.True);
        Assert.That(journal.TryGet("k2", out _), Is.False);
    }

    [Test]
    public void Open_DropsEntriesOlderThanTheRetention()
    {
        using var dir = new TempDirectory();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        File.WriteAllText(dir.Combine("j"), $"old\t1\t{now - 40 * 86400}\nnew\t2\t{now - 86400}\n");

        using var journal = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(30));

        Assert.That(journal.TryGet("old", out _), Is.False);
        Assert.That(journal.TryGet("new", out _), Is.True);
        Assert.That(File.ReadAllText(dir.Combine("j")), Does.Not.Contain("old"));
    }

    [Test]
    public void Journal_IsReadableOnlyByItsOwner()
    {
        using var dir = new TempDirectory();
        using var journal = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(1));

        Assert.That(File.GetUnixFileMode(dir.Combine("j")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }
}
