using k8s;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Tests;

/// <summary>
/// Tells KubernetesJson about our custom resource before any test runs, for what the tests themselves do with
/// KubernetesClient (their <c>CustomObjects</c> calls, manifests read as any Kubernetes type). slurmk8s itself no
/// longer uses KubernetesJson (see Api/V1Alpha1/ApiJsonContext). Before any test: KubernetesJson's options can no longer be
/// changed once used. In the root namespace so that it covers every test.
/// </summary>
[SetUpFixture]
internal sealed class KubernetesJsonSetup
{
    [OneTimeSetUp]
    public static void Register() => KubernetesJson.AddJsonOptions(o => o.TypeInfoResolverChain.Add(ApiJsonContext.Default));
}
