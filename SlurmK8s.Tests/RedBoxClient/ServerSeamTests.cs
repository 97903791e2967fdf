using System.Text.RegularExpressions;

namespace SlurmK8s.Tests.RedBoxClient;

/// <summary>
/// The contract has three homes: RedBoxContract/ (shared), RedBox/ (the server), RedBoxClient/ (the client). Nothing
/// outside the server's folder imports the server's namespace; only Program.cs, the composition root, names its command.
/// </summary>
public sealed partial class ServerSeamTests
{
    [GeneratedRegex(@"^\s*(global\s+)?using\s+(static\s+)?(\w+\s*=\s*)?SlurmK8s\.RedBox(\.[\w.]+)?\s*;", RegexOptions.Multiline)]
    private static partial Regex ServerUsing();

    [Test]
    public void NoFileOutsideRedBox_ImportsTheServerNamespace()
    {
        var sources = Path.Combine(RepositoryFiles.Root, "SlurmK8s");
        var server = Path.Combine(sources, "RedBox") + Path.DirectorySeparatorChar;
        var offenders = Directory.EnumerateFiles(sources, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(server, StringComparison.Ordinal) && !IsBuildOutput(sources, f))
            .Where(f => Path.GetRelativePath(sources, f) != "Program.cs")
            .Where(f => ServerUsing().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(sources, f))
            .ToList();

        Assert.That(offenders, Is.Empty, "these files import red-box's server (SlurmK8s.RedBox): use RedBoxContract/ or RedBoxClient/");
    }

    [TestCase("using SlurmK8s.RedBox;", true)]
    [TestCase("using SlurmK8s.RedBox.Scoping;", true)]
    [TestCase("using Server = SlurmK8s.RedBox;", true)]
    [TestCase("using SlurmK8s.RedBoxClient;", false)]
    [TestCase("using SlurmK8s.RedBoxContract;", false)]
    public void TheRule_ReadsUsingLines(string line, bool matches) => Assert.That(ServerUsing().IsMatch(line), Is.EqualTo(matches));

    private static bool IsBuildOutput(string sources, string file) =>
        Path.GetRelativePath(sources, file).Split(Path.DirectorySeparatorChar)[0] is "obj" or "bin";
}
