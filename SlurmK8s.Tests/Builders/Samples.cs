using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Tests.Kube;

namespace SlurmK8s.Tests.Builders;

/// <summary>The SlurmJobs in samples/, read as the API would hand them to the operator.</summary>
internal static class Samples
{
    public static SlurmJob Read(string file)
    {
        return YamlManifest.Load<SlurmJob>(File.ReadAllText(RepositoryFiles.Sample(file)));
    }
}
