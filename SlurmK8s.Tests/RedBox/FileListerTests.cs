using SlurmK8s.RedBox;
using SlurmK8s.Slurm;

namespace SlurmK8s.Tests.RedBox;

public sealed class FileListerTests
{
    private TempDirectory _dir = null!;
    private ServedRoots _roots = null!;
    private readonly FileLister _lister = new();

    private string Work => _dir.Combine("work");

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        foreach (var file in new[] { "work/a.csv", "work/b.csv", "work/c.txt", "work/out/x/1.dat", "work/out/x/y/2.dat", "work/out/3.dat", "secret/s.csv", "results/r.csv" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_dir.Combine(file))!);
            File.WriteAllText(_dir.Combine(file), file);
        }
        File.CreateSymbolicLink(_dir.Combine("work", "escape.csv"), _dir.Combine("secret", "s.csv"));
        File.CreateSymbolicLink(_dir.Combine("work", "inside.csv"), _dir.Combine("work", "a.csv"));
        Directory.CreateSymbolicLink(_dir.Combine("work", "out", "secretdir"), _dir.Combine("secret"));
        _roots = new ServedRoots(Work, [Work, _dir.Combine("results")], readAs: null);
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void List_StarInTheWorkDir_ListsMatchesSortedAndLeavesOutSymlinksThatEscape()
    {
        var listing = _lister.List(_roots, "*.csv");

        Assert.That(listing.Paths, Is.EqualTo(new[] { "a.csv", "b.csv", "inside.csv" }.Select(f => Path.Combine(Work, f))));
        Assert.That(listing.Truncated, Is.False);
    }

    [Test]
    public void List_DoubleStar_FindsEveryDepthButNotThroughASymlinkLeavingTheRoots()
    {
        var listing = _lister.List(_roots, "out/**/*");

        Assert.That(listing.Paths, Is.EqualTo(new[] { "out/3.dat", "out/x/1.dat", "out/x/y/2.dat" }.Select(f => Path.Combine(Work, f))));
    }

    [Test]
    public void List_OneLevelPattern_DoesNotDescendFurther()
    {
        Assert.That(_lister.List(_roots, "out/*/*.dat").Paths, Is.EqualTo(new[] { Path.Combine(Work, "out/x/1.dat") }));
    }

    [Test]
    public void List_AbsolutePatternInAnotherRoot_IsServed()
    {
        Assert.That(_lister.List(_roots, _dir.Combine("results", "*.csv")).Paths, Is.EqualTo(new[] { _dir.Combine("results", "r.csv") }));
    }

    [Test]
    public void List_DirectoryThatDoesNotExistInsideARoot_IsEmpty()
    {
        Assert.That(_lister.List(_roots, "nothing-here/*.csv").Paths, Is.Empty);
    }

    [Test]
    public void List_PlainFileName_ListsThatFileOnlyIfItExists()
    {
        Assert.That(_lister.List(_roots, "c.txt").Paths, Is.EqualTo(new[] { Path.Combine(Work, "c.txt") }));
        Assert.That(_lister.List(_roots, "d.txt").Paths, Is.Empty);
    }

    [TestCase("/etc/*")]
    [TestCase("../secret/*")]
    public void List_OutsideTheRoots_IsDeniedNamingTheRoots(string pattern)
    {
        var error = Assert.Throws<SlurmException>(() => _lister.List(_roots, pattern));

        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.PermissionDenied));
    }

    [Test]
    public void List_SecretDirectoryThroughASymlink_IsDenied()
    {
        var error = Assert.Throws<SlurmException>(() => _lister.List(_roots, "out/secretdir/*.csv"));

        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.PermissionDenied));
        Assert.That(error.Message, Does.Contain(Work));
    }

    [Test]
    public void List_MoreMatchesThanTheLimit_IsTruncated()
    {
        var lister = new FileLister(limit: 2);

        var listing = lister.List(new ServedRoots(Work, [Work], readAs: null), "*.csv");

        Assert.That((listing.Paths.Count, listing.Truncated), Is.EqualTo((2, true)));
    }
}
