using SlurmK8s.Slurm;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.Tests.RedBoxContract;

internal sealed class GlobPatternTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        // pattern, relative path below the base, matches?
        yield return new TestCaseData("*.csv", "a.csv", true);
        yield return new TestCaseData("*.csv", "a.txt", false);
        yield return new TestCaseData("*.csv", "sub/a.csv", false).SetName("Star_StaysInOneSegment");
        yield return new TestCaseData("*.csv", ".hidden.csv", false).SetName("Star_SkipsLeadingDot");
        yield return new TestCaseData(".*.csv", ".hidden.csv", true).SetName("ExplicitDot_MatchesHidden");
        yield return new TestCaseData("slurm-12_?.out", "slurm-12_3.out", true);
        yield return new TestCaseData("slurm-12_?.out", "slurm-12_10.out", false);
        yield return new TestCaseData("r[0-9].txt", "r7.txt", true);
        yield return new TestCaseData("r[!0-9].txt", "r7.txt", false);
        yield return new TestCaseData("r[!0-9].txt", "rx.txt", true);
        yield return new TestCaseData("r[]].txt", "r].txt", true).SetName("Bracket_FirstCloseBracketIsLiteral");
        yield return new TestCaseData("r[.txt", "r[.txt", true).SetName("Bracket_UnclosedIsLiteral");
        yield return new TestCaseData("a+b(1).txt", "a+b(1).txt", true).SetName("RegexCharacters_AreLiteral");
        yield return new TestCaseData("out/*/*.dat", "out/x/y.dat", true);
        yield return new TestCaseData("out/*/*.dat", "out/x/z/y.dat", false);
        yield return new TestCaseData("out/**/*.dat", "out/y.dat", true).SetName("DoubleStar_MatchesZeroDirectories");
        yield return new TestCaseData("out/**/*.dat", "out/a/b/c/y.dat", true);
        yield return new TestCaseData("out/**/*.dat", "out/.git/y.dat", false).SetName("DoubleStar_SkipsHiddenDirectories");
        yield return new TestCaseData("out/**", "out/a/b", true).SetName("TrailingDoubleStar_MatchesEveryFileBelow");
        yield return new TestCaseData("result.txt", "result.txt", true).SetName("PlainName_MatchesItself");
        yield return new TestCaseData("result.txt", "resultXtxt", false).SetName("PlainName_DotIsLiteral");
    }

    [TestCaseSource(nameof(Cases))]
    public void IsMatch(string pattern, string relativeToFirstWildcard, bool expected)
    {
        var glob = GlobPattern.Parse(pattern, "/work");
        var relative = Path.GetRelativePath(glob.BaseDirectory, Path.Combine("/work", relativeToFirstWildcard));

        Assert.That(glob.IsMatch(relative), Is.EqualTo(expected), $"{pattern} vs {relative} (base {glob.BaseDirectory})");
    }

    [TestCase("out/*/*.dat", "/work/out", false, 1)]
    [TestCase("*.csv", "/work", false, 0)]
    [TestCase("/data/run1/**/*.csv", "/data/run1", true, 1)]
    [TestCase("/data/run1/result.txt", "/data/run1", false, 0)]
    [TestCase("./a/./b*", "/work/a", false, 0)]
    public void Parse_SplitsBaseDirectoryFromWildcards(string pattern, string baseDirectory, bool recursive, int depth)
    {
        var glob = GlobPattern.Parse(pattern, "/work");

        Assert.That((glob.BaseDirectory, glob.IsRecursive, glob.Depth), Is.EqualTo((baseDirectory, recursive, depth)));
    }

    [TestCase("../secret/*", SlurmErrorKind.PermissionDenied)]
    [TestCase("out/../../x", SlurmErrorKind.PermissionDenied)]
    [TestCase("", SlurmErrorKind.InvalidArgument)]
    [TestCase("/", SlurmErrorKind.InvalidArgument)]
    public void Parse_RefusesWithAPreciseKind(string pattern, SlurmErrorKind kind)
    {
        var error = Assert.Throws<SlurmException>(() => GlobPattern.Parse(pattern, "/work"));

        Assert.That(error!.Kind, Is.EqualTo(kind));
    }

    [TestCase("a/*.txt", true)]
    [TestCase("a/b?.txt", true)]
    [TestCase("a/[xy].txt", true)]
    [TestCase("a/b.txt", false)]
    public void IsGlob(string text, bool expected) => Assert.That(GlobPattern.IsGlob(text), Is.EqualTo(expected));
}
