using k8s.Models;
using SlurmK8s.Operator;
using SlurmK8s.Tests.Kube;

namespace SlurmK8s.Tests.Builders;

/// <summary>The operator's flags as manifests/operator.yaml gives them, for tests that run the operator as a site would.</summary>
internal static class OperatorManifest
{
    public static IReadOnlyList<string> Args { get; } =
        YamlManifest.Load<V1Deployment>(File.ReadAllText(RepositoryFiles.Manifest("operator.yaml"))).Spec.Template.Spec.Containers.Single().Args.ToArray();

    /// <summary>The --results-volume-types and --results-host-path-prefix arguments, verbatim.</summary>
    public static IReadOnlyList<string> ResultsVolumeArgs { get; } = Args.Where(a => a.StartsWith("--results-", StringComparison.Ordinal)).ToArray();

    /// <summary>The results-volume policy those arguments make.</summary>
    public static ResultsVolumePolicy ResultsVolumes
    {
        get
        {
            var types = Values(ResultsVolumePolicy.TypesFlag).Single().Split(',');
            var (policy, error) = ResultsVolumePolicy.Create(types, Values(ResultsVolumePolicy.HostPathPrefixFlag));
            return policy ?? throw new InvalidOperationException($"manifests/operator.yaml: {error}");
        }
    }

    private static IEnumerable<string> Values(string flag) =>
        ResultsVolumeArgs.Where(a => a.StartsWith(flag + "=", StringComparison.Ordinal)).Select(a => a[(flag.Length + 1)..]);
}
