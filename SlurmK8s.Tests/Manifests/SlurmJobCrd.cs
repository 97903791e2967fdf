using k8s;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.Manifests;

/// <summary>
/// Installs the CRD from manifests/crds/ on the run's API server with `kubectl apply`, once per run, and waits
/// until it is Established and its schema is published in OpenAPI (which kubectl's validation and explain read).
/// </summary>
internal static class SlurmJobCrd
{
    public const string Name = SlurmJob.Plural + "." + SlurmJob.Group;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _installed;

    public static async Task EnsureInstalledAsync()
    {
        await RealApiServer.EnsureUpAsync();
        await Gate.WaitAsync();
        try
        {
            if (_installed)
            {
                return;
            }
            await Kubectl.SucceedAsync("apply", "-f", RepositoryFiles.CrdPath);
            using var client = RealApiServer.CreateClient();
            await WaitEstablishedAsync(client, TimeSpan.FromSeconds(30));
            await WaitPublishedAsync(TimeSpan.FromSeconds(30));
            _installed = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The 1.20 API server adds a new CRD's schema to /openapi/v2 a moment after Established.</summary>
    private static async Task WaitPublishedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await Kubectl.RunAsync("explain", SlurmJob.Plural);
            if (result.Succeeded)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"`kubectl explain {SlurmJob.Plural}` still failing after {timeout.TotalSeconds} s:\n{result.StandardError}");
            }
            await Task.Delay(250);
        }
    }

    private static async Task WaitEstablishedAsync(Kubernetes client, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var crd = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(Name);
            if (crd.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"CRD {Name} not Established after {timeout.TotalSeconds} s: {KubernetesJson.Serialize(crd.Status)}");
            }
            await Task.Delay(200);
        }
    }
}
