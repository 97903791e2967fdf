using System.Text.Json;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Builders;
using SlurmK8s.Tests.Manifests;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>
/// A namespace of the local cluster set up as README tells a user (companion-rbac.yaml applied in it), and what the
/// tests do there as a user would: create SlurmJobs (samples, each under a name of its own so their results folders on
/// the node never meet), read them, their companion pods and logs. Deleted, with what is left in it, when disposed.
/// </summary>
internal sealed class JobNamespace : IAsyncDisposable
{
    private readonly List<string> _resultFolders = [];
    private readonly KubeClient _kubeClient = LocalCluster.CreateKubeClient();

    private JobNamespace(Kubernetes client, string name)
    {
        Client = client;
        Name = name;
        Api = new KubeApi(_kubeClient, "slurmk8s-e2e");
    }

    public Kubernetes Client { get; }

    public KubeApi Api { get; }

    public string Name { get; }

    public static Task<JobNamespace> CreateAsync(string prefix) => CreateNamedAsync($"e2e-{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 12, 63)]);

    /// <summary>A namespace of exactly this name (e.g. one the tenancy file names), gone first if an earlier run left it.</summary>
    public static async Task<JobNamespace> CreateNamedAsync(string name)
    {
        await LocalCluster.EnsureReadyAsync();
        var client = LocalCluster.CreateClient();
        if ((await client.CoreV1.ListNamespaceAsync(fieldSelector: "metadata.name=" + name)).Items.Count > 0)
        {
            await client.CoreV1.DeleteNamespaceAsync(name);
            await Eventually.ValueAsync(async () => (await client.CoreV1.ListNamespaceAsync(fieldSelector: "metadata.name=" + name)).Items.Count,
                n => n == 0, $"namespace {name} left by an earlier run gone", TimeSpan.FromMinutes(3));
        }
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        await LocalCluster.KubectlSucceedsAsync("apply", "-n", name, "-f", RepositoryFiles.Manifest("companion-rbac.yaml"));
        // The ServiceAccount admission plugin refuses pods of a service account whose token the token controller has
        // not made yet; the operator would retry, but the tests measure the job, not that moment.
        await Eventually.ValueAsync(() => client.CoreV1.ReadNamespacedServiceAccountAsync("slurm-companion", name),
            sa => sa.Secrets is { Count: > 0 }, "slurm-companion's token", TimeSpan.FromSeconds(30), JobNamespace.Describe);
        return new JobNamespace(client, name);
    }

    /// <summary>A sample from samples/ under a name of its own (the seed's content, unchanged otherwise).</summary>
    public Task<SlurmJob> CreateSampleAsync(string sample, string name) => CreateAsync(Samples.Read(sample), name);

    /// <summary>A SlurmJob with this script and the samples' results volume (and, if given, results.from).</summary>
    public Task<SlurmJob> CreateScriptAsync(string name, string batch, string? resultsFrom = null)
    {
        var job = Samples.Read("hello.yaml");
        job.Spec.Batch = batch;
        job.Spec.Results!.Files = null;
        job.Spec.Results.From = resultsFrom;
        return CreateAsync(job, name);
    }

    /// <summary>A SlurmJob as given (name and namespace are set here).</summary>
    public Task<SlurmJob> CreateJobAsync(SlurmJob job, string name) => CreateAsync(job, name);

    private Task<SlurmJob> CreateAsync(SlurmJob job, string name)
    {
        job.Metadata.Name = name;
        job.Metadata.NamespaceProperty = Name;
        _resultFolders.Add(ResultsFolder(name));
        return Client.CustomObjects.CreateNamespacedCustomObjectAsync<SlurmJob>(job, SlurmJob.Group, SlurmJob.Version, Name, SlurmJob.Plural);
    }

    /// <summary>Where the companion of SlurmJob <paramref name="name"/> collects its results on the node.</summary>
    public static string ResultsFolder(string name) => Path.Combine(LocalCluster.ResultsRoot, CompanionPodName(name));

    public static string CompanionPodName(string name) => name + "-job";

    public async Task<SlurmJob?> GetAsync(string name) => await Api.GetSlurmJobAsync(Name, name, CancellationToken.None);

    public async Task<V1Pod?> GetPodAsync(string name) => await Api.GetPodAsync(Name, name, CancellationToken.None);

    public Task DeleteAsync(string name) =>
        Client.CustomObjects.DeleteNamespacedCustomObjectAsync(SlurmJob.Group, SlurmJob.Version, Name, SlurmJob.Plural, name);

    /// <summary>Waits for the SlurmJob to satisfy <paramref name="done"/>; fails with the last status seen.</summary>
    public async Task<SlurmJob> WaitForAsync(string name, Func<SlurmJob, bool> done, TimeSpan timeout, string what) =>
        (await Eventually.ValueAsync(() => GetAsync(name), j => j is not null && done(j), $"SlurmJob {name}: {what}", timeout, JobNamespace.Describe))!;

    public Task<SlurmJob> WaitForPhaseAsync(string name, string phase, TimeSpan timeout) =>
        WaitForAsync(name, j => j.Status?.Phase == phase, timeout, $"phase {phase}");

    public Task WaitUntilGoneAsync(string name, TimeSpan timeout) =>
        Eventually.ValueAsync(() => GetAsync(name), j => j is null, $"SlurmJob {name} gone", timeout, JobNamespace.Describe);

    public Task WaitUntilPodGoneAsync(string pod, TimeSpan timeout) =>
        Eventually.ValueAsync(() => GetPodAsync(pod), p => p is null, $"pod {pod} gone", timeout, JobNamespace.Describe);

    /// <summary>What `kubectl logs` shows of the pod now (empty while it cannot say yet).</summary>
    public async Task<string> LogsAsync(string pod)
    {
        var result = await LocalCluster.KubectlAsync("logs", "-n", Name, pod);
        return result.Succeeded ? result.StandardOutput : "";
    }

    public async Task<List<Corev1Event>> EventsAsync(string name) =>
        [.. (await Client.CoreV1.ListNamespacedEventAsync(Name, fieldSelector: $"involvedObject.name={name}")).Items];

    /// <summary>An object as the API server would show it, for a timeout's message.</summary>
    public static string Describe<T>(T value)
    {
        try
        {
            return value is null ? "nothing" : value as string ?? KubernetesJson.Serialize(value);
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
        {
            return value?.ToString() ?? "nothing";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Deleting the namespace deletes its SlurmJobs: the companions cancel what still runs.
            await Client.CoreV1.DeleteNamespaceAsync(Name);
        }
        finally
        {
            foreach (var folder in _resultFolders.Where(Directory.Exists))
            {
                Directory.Delete(folder, recursive: true);
            }
            Client.Dispose();
            _kubeClient.Dispose();
        }
    }
}
