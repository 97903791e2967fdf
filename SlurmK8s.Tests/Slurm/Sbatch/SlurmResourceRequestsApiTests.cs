using k8s;
using k8s.Autorest;
using k8s.Models;
using SlurmK8s.Slurm.Sbatch;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.Slurm.Sbatch;

/// <summary>The quantities the mapping produces are ones the real API server takes on a pod, and only as limits and requests.</summary>
[Category("Integration")]
internal sealed class SlurmResourceRequestsApiTests
{
    private static readonly HashSet<string> All =
        ["slurm.sylabs.io/cpu", "slurm.sylabs.io/mem", "slurm.sylabs.io/gpu", "slurm.sylabs.io/nodes"];

    [Test]
    public async Task For_Quantities_AreAcceptedAsPodLimitsAndRequests()
    {
        await RealApiServer.EnsureUpAsync();
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client);
        var directives = SbatchScript.Parse("#SBATCH -N 2 --ntasks-per-node=2 -c 3 --mem=1500M --gres=gpu:1 --exclusive\n").Directives!;
        var requests = SlurmResourceRequests.For(directives, All);

        var created = await client.CoreV1.CreateNamespacedPodAsync(Pod(requests, withLimits: true), ns);

        // The API server canonicalizes quantities ("3000" comes back "3k"): compare values, never strings.
        var resources = created.Spec.Containers[0].Resources;
        Assert.That(resources.Requests.ToDictionary(r => r.Key, r => r.Value.ToDecimal()), Is.EquivalentTo(new Dictionary<string, decimal>
        {
            ["slurm.sylabs.io/cpu"] = 12,
            ["slurm.sylabs.io/mem"] = 3000m * 1024 * 1024, // bytes: 1500M per node × 2 nodes, written 3000Mi
            ["slurm.sylabs.io/gpu"] = 2,
            ["slurm.sylabs.io/nodes"] = 2,
        }));
        Assert.That(resources.Limits.ToDictionary(r => r.Key, r => r.Value.ToDecimal()), Is.EquivalentTo(resources.Requests.ToDictionary(r => r.Key, r => r.Value.ToDecimal())));
    }

    [Test]
    public async Task For_Quantities_AsRequestsWithoutLimits_AreRefusedByTheApiServer()
    {
        await RealApiServer.EnsureUpAsync();
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client);
        var requests = SlurmResourceRequests.For(SbatchDirectives.None, All);

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(Pod(requests, withLimits: false), ns));

        Assert.That((int)refused!.Response.StatusCode, Is.EqualTo(422));
        Assert.That(refused.Response.Content, Does.Contain("Limit must be set for non overcommitable resources"));
    }

    private static V1Pod Pod(IReadOnlyDictionary<string, string> requests, bool withLimits)
    {
        var quantities = requests.ToDictionary(r => r.Key, r => new ResourceQuantity(r.Value));
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "sized" },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                Containers =
                [
                    new V1Container
                    {
                        Name = "companion",
                        Image = "local/slurmk8s:test",
                        Resources = new V1ResourceRequirements { Requests = quantities, Limits = withLimits ? quantities : null },
                    },
                ],
            },
        };
    }
}
