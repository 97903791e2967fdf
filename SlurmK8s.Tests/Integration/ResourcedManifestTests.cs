using k8s;

namespace SlurmK8s.Tests.Integration;

/// <summary>manifests/resourced.yaml as an administrator applies it, on the real API server; RBAC judged by the API server itself.</summary>
[Category("Integration")]
[NonParallelizable]
internal sealed class ResourcedManifestTests
{
    private const string ServiceAccount = "system:serviceaccount:default:resourced";

    private static string Manifest => RepositoryFiles.Manifest("resourced.yaml");

    [Test]
    public async Task Manifest_Applies_AndGrantsExactlyWhatResourcedNeeds()
    {
        await RealApiServer.EnsureUpAsync();
        var applied = await KubectlAsync("apply", "-f", Manifest);
        Assert.That(applied.Succeeded, Is.True, applied.StandardError);
        try
        {
            using var client = RealApiServer.CreateClient();
            var daemonSet = await client.AppsV1.ReadNamespacedDaemonSetAsync("resourced", "default");
            var pod = daemonSet.Spec.Template.Spec;
            var container = pod.Containers.Single();
            Assert.That(container.Args, Is.EqualTo(new[] { "resourced", "--slurm-config", "/etc/slurm-config" }));
            Assert.That(container.LivenessProbe.HttpGet.Path, Is.EqualTo("/healthz"), "a stuck queue or a watch failing for minutes restarts it");
            Assert.That((container.Image, container.ImagePullPolicy), Is.EqualTo(("slurmk8s:local", "Never")));
            Assert.That(container.Env.Single(e => e.Name == "NODE_NAME").ValueFrom.FieldRef.FieldPath, Is.EqualTo("spec.nodeName"));
            Assert.That(pod.SecurityContext.RunAsNonRoot, Is.True);
            var item = pod.Volumes.Single(v => v.Name == "slurm-config").ConfigMap.Items.Single();
            Assert.That((item.Key, item.Path), Is.EqualTo(("config", "slurm")), "the file is `slurm`, as in the seed");
            Assert.That(pod.ServiceAccountName, Is.EqualTo("resourced"));

            string[][] allowed =
            [
                // list/watch: its watch on its own Node (a field selector; RBAC cannot name the node of each DaemonSet pod).
                ["get", "nodes"], ["list", "nodes"], ["watch", "nodes"], ["patch", "nodes"], ["patch", "nodes", "--subresource=status"],
                ["create", "events", "-n", "default"],
            ];
            string[][] denied =
            [
                ["update", "nodes"], ["delete", "nodes"], ["create", "nodes"],
                ["update", "nodes", "--subresource=status"], ["create", "events", "-n", "kube-system"], ["get", "secrets", "-n", "default"],
                ["get", "configmaps", "-n", "default"], ["create", "pods", "-n", "default"],
            ];
            foreach (var verb in allowed)
            {
                Assert.That(await CanAsync(verb), Is.True, $"resourced may {string.Join(' ', verb)}");
            }
            foreach (var verb in denied)
            {
                Assert.That(await CanAsync(verb), Is.False, $"resourced may not {string.Join(' ', verb)}");
            }
        }
        finally
        {
            await KubectlAsync("delete", "--ignore-not-found", "-f", Manifest);
        }
    }

    private static async Task<bool> CanAsync(string[] verb)
    {
        var result = await KubectlAsync(["auth", "can-i", "--as", ServiceAccount, .. verb]);
        // can-i prints yes/no; it exits 1 for "no".
        return result.StandardOutput.Trim() == "yes";
    }

    private static Task<SlurmK8s.Os.ProcessResult> KubectlAsync(params string[] args) =>
        Command.RunAsync("kubectl", ["--kubeconfig", RealApiServer.KubeconfigPath, .. args]);
}
