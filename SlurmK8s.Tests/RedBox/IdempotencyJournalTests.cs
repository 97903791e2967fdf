using SlurmK8s.RedBox;

namespace SlurmK8s.Tests.RedBox;

public sealed class IdempotencyJournalTests
{
    [Test]
    public void Record_IsReadBackByTheNextJournal()
    {
        using var dir = new TempDirectory();
        using (var journal = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(1)))
        {
            journal.Record("k1", 41);
            journal.Record("k2", 42);
        }

        using var reopened = new IdempotencyJournal(dir.Combine("j"), TimeSpan.FromDays(1));

        Assert.That(reopened.TryGet("k2", out var id), Is.True);
        Assert.That(id, Is.EqualTo(42));
        Assert.That(reopened.Count, Is.EqualTo(2));
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
