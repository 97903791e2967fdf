using SlurmK8s.RedBox;
using SlurmK8s.Slurm;

namespace SlurmK8s.Tests.RedBox;

public sealed class ServedRootsTests
{
    private TempDirectory _dir = null!;
    private ServedRoots _roots = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        Directory.CreateDirectory(_dir.Combine("work"));
        Directory.CreateDirectory(_dir.Combine("results"));
        Directory.CreateDirectory(_dir.Combine("secret"));
        File.WriteAllText(_dir.Combine("work", "slurm-1.out"), "hello");
        File.WriteAllText(_dir.Combine("results", "r.txt"), "result");
        File.WriteAllText(_dir.Combine("secret", "key"), "private");
        File.CreateSymbolicLink(_dir.Combine("work", "escape"), _dir.Combine("secret", "key"));
        File.CreateSymbolicLink(_dir.Combine("work", "inside"), _dir.Combine("work", "slurm-1.out"));
        Directory.CreateSymbolicLink(_dir.Combine("work", "secretdir"), _dir.Combine("secret"));
        _roots = new ServedRoots(_dir.Combine("work"), [_dir.Combine("work"), _dir.Combine("results")], readAs: null);
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [TestCase("slurm-1.out", "hello")]
    [TestCase("inside", "hello")]
    [TestCase("../results/r.txt", null)]
    public void OpenRead_Relative(string path, string? expected)
    {
        if (expected is null)
        {
            AssertDenied(path);
            return;
        }
        using var stream = _roots.OpenRead(path);
        Assert.That(new StreamReader(stream).ReadToEnd(), Is.EqualTo(expected));
    }

    [Test]
    public void OpenRead_AbsolutePathInAnotherRoot_IsServed()
    {
        using var stream = _roots.OpenRead(_dir.Combine("results", "r.txt"));
        Assert.That(new StreamReader(stream).ReadToEnd(), Is.EqualTo("result"));
    }

    [Test]
    public void OpenRead_SymlinkLeavingTheRoot_IsDenied() => AssertDenied("escape");

    [Test]
    public void OpenRead_ThroughASymlinkedDirectoryLeavingTheRoot_IsDenied() => AssertDenied("secretdir/key");

    [Test]
    public void OpenRead_DotDotBackIntoTheRoot_IsDenied() => AssertDenied("../work/slurm-1.out");

    [TestCase("/etc/passwd")]
    [TestCase("/etc/munge/munge.key")]
    public void OpenRead_AbsolutePathOutside_IsDenied(string path) => AssertDenied(path);

    [Test]
    public void OpenRead_RootPrefixIsNotEnough()
    {
        // /tmp/x/work-evil starts with /tmp/x/work but is not inside it.
        Directory.CreateDirectory(_dir.Combine("work-evil"));
        File.WriteAllText(_dir.Combine("work-evil", "f"), "no");
        AssertDenied(_dir.Combine("work-evil", "f"));
    }

    [Test]
    public void OpenRead_MissingFileInsideARoot_IsNotFound()
    {
        var error = Assert.Throws<SlurmException>(() => _roots.OpenRead("nope.out"));
        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.NotFound));
    }

    private void AssertDenied(string path)
    {
        var error = Assert.Throws<SlurmException>(() => _roots.OpenRead(path).Dispose());
        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.PermissionDenied));
        Assert.That(error.Message, Does.Contain(_dir.Combine("work")), "the message names the served roots");
    }
}
