using k8s;
using k8s.Autorest;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.Kube;

/// <summary>
/// Puts the SlurmJob CRD on the test API server: the project's manifest (manifests/crds/slurm_v1alpha1_slurmjob.yaml)
/// when the checkout has it, else a minimal stand-in (status subresource, any fields kept) good enough to test the
/// access layer.
/// </summary>
internal static class SlurmJobCrd
{
    public const string Name = SlurmJob.Plural + "." + SlurmJob.Group;

    public static string ManifestPath => Path.Combine(RealSlurm.RepositoryRoot, "manifests", "crds", "slurm_v1alpha1_slurmjob.yaml");

    /// <summary>Applies the manifest (server-side apply), or creates the stand-in if no CRD is there yet; waits until Established.</summary>
    public static async Task EnsureAsync(Kubernetes client)
    {
        if (File.Exists(ManifestPath))
        {
            var json = YamlManifest.ToJson(await File.ReadAllTextAsync(ManifestPath));
            await client.ApiextensionsV1.PatchCustomResourceDefinitionAsync(new V1Patch(json, V1Patch.PatchType.ApplyPatch), Name, fieldManager: "slurmk8s-tests", force: true);
        }
        else
        {
            try
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(StandIn());
            }
            catch (HttpOperationException e) when ((int)e.Response.StatusCode == 409)
            {
                // Already there (perhaps the real one, applied by another test): never overwrite it with the stand-in.
            }
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var current = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(Name);
            if (current.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"CRD {Name} not Established after 30 s");
            }
            await Task.Delay(100);
        }
    }

    internal static V1CustomResourceDefinition StandIn() => new()
    {
        ApiVersion = "apiextensions.k8s.io/v1",
        Kind = "CustomResourceDefinition",
        Metadata = new V1ObjectMeta { Name = Name },
        Spec = new V1CustomResourceDefinitionSpec
        {
            Group = SlurmJob.Group,
            Scope = "Namespaced",
            Names = new V1CustomResourceDefinitionNames
            {
                Plural = SlurmJob.Plural,
                Singular = "slurmjob",
                Kind = SlurmJob.KindName,
                ListKind = "SlurmJobList",
                ShortNames = ["sj"],
            },
            Versions =
            [
                new V1CustomResourceDefinitionVersion
                {
                    Name = SlurmJob.Version,
                    Served = true,
                    Storage = true,
                    Subresources = new V1CustomResourceSubresources { Status = new Dictionary<string, object>() },
                    Schema = new V1CustomResourceValidation
                    {
                        OpenAPIV3Schema = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true },
                    },
                },
            ],
        },
    };
}
