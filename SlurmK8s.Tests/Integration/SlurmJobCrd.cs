using k8s;
using k8s.Autorest;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// Puts the SlurmJob CRD into the test API server: the project's manifest when the tree has it, otherwise a minimal
/// stand-in (any spec, a status subresource) so companion tests can run before the manifest exists.
/// Both go through kubectl apply, as a user would.
/// </summary>
internal static class SlurmJobCrd
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _applied;

    public static string ManifestPath => Path.Combine(RealSlurm.RepositoryRoot, "manifests", "crds", "slurm_v1alpha1_slurmjob.yaml");

    public static async Task EnsureAsync(Kubernetes client)
    {
        ApiJson.Register();
        await Gate.WaitAsync();
        try
        {
            if (_applied)
            {
                return;
            }
            if (File.Exists(ManifestPath))
            {
                await ApplyAsync(ManifestPath);
            }
            else
            {
                await CreateMinimalAsync();
            }
            await WaitEstablishedAsync(client);
            _applied = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task CreateMinimalAsync()
    {
        const string minimal = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: slurmjobs.slurm.sylabs.io
            spec:
              group: slurm.sylabs.io
              scope: Namespaced
              names: {plural: slurmjobs, singular: slurmjob, kind: SlurmJob, shortNames: [sj]}
              versions:
              - name: v1alpha1
                served: true
                storage: true
                subresources: {status: {}}
                schema:
                  openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
            """;
        using var dir = new TempDirectory();
        var file = dir.Combine("slurmjob-crd.yaml");
        await File.WriteAllTextAsync(file, minimal);
        await ApplyAsync(file);
    }

    private static async Task ApplyAsync(string file)
    {
        var result = await Command.RunAsync("kubectl", "--kubeconfig", RealApiServer.KubeconfigPath, "apply", "-f", file);
        Assert.That(result.ExitCode, Is.Zero, $"kubectl apply -f {file}: {result.StandardError}");
    }

    private static async Task WaitEstablishedAsync(Kubernetes client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await client.CustomObjects.ListClusterCustomObjectAsync<SlurmJobList>(SlurmJob.Group, SlurmJob.Version, SlurmJob.Plural);
                return;
            }
            catch (HttpOperationException e) when ((int)e.Response.StatusCode == 404 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
