namespace SlurmK8s.Tests.Manifests;

/// <summary>The checkout's manifests/ and samples/, found from the test binary's folder.</summary>
internal static class RepositoryFiles
{
    // AppContext rather than TestContext: test-case sources run at discovery, before any test context.
    public static string Root { get; } = FindRoot();

    public static string CrdPath => Path.Combine(Root, "manifests", "crds", "slurm_v1alpha1_slurmjob.yaml");

    /// <summary>Every samples/*.yaml, by file name: new samples are covered without touching the tests.</summary>
    public static IEnumerable<string> SampleNames() => YamlNamesIn(Path.Combine(Root, "samples"));

    /// <summary>Every manifests/*.yaml (the CRD lives in manifests/crds/ and is not among them).</summary>
    public static IEnumerable<string> ManifestNames() => YamlNamesIn(Path.Combine(Root, "manifests"));

    public static string Sample(string name) => Path.Combine(Root, "samples", name);

    public static string Manifest(string name) => Path.Combine(Root, "manifests", name);

    private static IEnumerable<string> YamlNamesIn(string directory) =>
        Directory.GetFiles(directory, "*.yaml").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "build.sh")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("build.sh not found above the test directory");
    }
}
