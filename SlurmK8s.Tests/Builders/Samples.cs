using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Tests.Kube;

namespace SlurmK8s.Tests.Builders;

/// <summary>The SlurmJobs in samples/, read as the API would hand them to the operator.</summary>
internal static class Samples
{
    public static string Directory => Path.Combine(Integration.RealSlurm.RepositoryRoot, "samples");

    public static IEnumerable<string> Files => System.IO.Directory.GetFiles(Directory, "*.yaml").Select(Path.GetFileName).Order()!;

    public static SlurmJob Read(string file)
    {
        ApiJson.Register();
        return YamlManifest.Load<SlurmJob>(File.ReadAllText(Path.Combine(Directory, file)));
    }
}
