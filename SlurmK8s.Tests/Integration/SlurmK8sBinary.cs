namespace SlurmK8s.Tests.Integration;

/// <summary>
/// How to start slurmk8s as a process: the published AOT binary when SLURMK8S_BIN names one (./build.sh test publishes
/// it), otherwise the build output of this configuration through `dotnet`, so tests run while developing without a publish.
/// </summary>
internal static class SlurmK8sBinary
{
    /// <summary>The program to run and the arguments that come before slurmk8s's own.</summary>
    public static (string FileName, IReadOnlyList<string> Prefix) Command()
    {
        if (Environment.GetEnvironmentVariable("SLURMK8S_BIN") is { Length: > 0 } binary && File.Exists(binary))
        {
            return (binary, []);
        }
        // Tests run from SlurmK8s.Tests/bin/<configuration>/net10.0: the app's build output sits beside it.
        var testDirectory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        var configuration = testDirectory.Parent!.Name;
        var dll = Path.Combine(RealSlurm.RepositoryRoot, "SlurmK8s", "bin", configuration, testDirectory.Name, "slurmk8s.dll");
        if (!File.Exists(dll))
        {
            throw new InconclusiveException($"neither SLURMK8S_BIN nor {dll} exists: build the solution first");
        }
        return ("dotnet", [dll]);
    }
}
