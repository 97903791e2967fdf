using SlurmK8s.Os;

namespace SlurmK8s.Tests;

/// <summary>The checkout the tests run from: its root (where build.sh is), manifests/, samples/ and scripts/.</summary>
internal static class RepositoryFiles
{
    // AppContext rather than TestContext: test-case sources run at discovery, before any test context.
    public static string Root { get; } = FindRoot();

    public static string CrdPath => Path.Combine(Root, "manifests", "crds", "slurm_v1alpha1_slurmjob.yaml");

    /// <summary>Every samples/*.yaml, by file name: new samples are covered without touching the tests.</summary>
    public static IEnumerable<string> SampleNames() => YamlNamesIn(Path.Combine(Root, "samples"));

    /// <summary>
    /// Every manifests/*.yaml that is Kubernetes objects: not the CRD (manifests/crds/), not tenants.yaml (red-box's
    /// tenancy file, a file on the host), not kustomization.yaml (what `kubectl apply -k manifests/` installs).
    /// </summary>
    public static IEnumerable<string> ManifestNames() =>
        YamlNamesIn(ManifestsDirectory).Where(name => name is not ("tenants.yaml" or "kustomization.yaml"));

    /// <summary>manifests/, the kustomize base an administrator applies with `kubectl apply -k`.</summary>
    public static string ManifestsDirectory => Path.Combine(Root, "manifests");

    public static string Sample(string name) => Path.Combine(Root, "samples", name);

    public static string Manifest(string name) => Path.Combine(Root, "manifests", name);

    public static string Script(string name) => Path.Combine(Root, "scripts", name);

    /// <summary>Runs scripts/<paramref name="name"/>; a failure fails the test with what the script printed.</summary>
    public static async Task<ProcessResult> RunScriptAsync(string name, params string[] args)
    {
        var result = await Command.RunAsync(Script(name), args);
        if (!result.Succeeded)
        {
            Assert.Fail($"scripts/{name} {string.Join(' ', args)} failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        }
        return result;
    }

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
