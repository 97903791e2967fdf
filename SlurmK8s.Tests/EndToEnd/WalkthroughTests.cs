using k8s;
using System.Globalization;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;
using SlurmK8s.Operator;
using SlurmK8s.Resourced;

using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>
/// The seed's walkthrough on the real one-machine cluster, every part real: the slurm-config ConfigMap → labels and
/// extended resources on the node (resourced, a DaemonSet pod) → a SlurmJob (samples/hello.yaml) → the companion pod
/// created by the operator (a Deployment pod) and placed by the real scheduler → the companion in a container
/// (containerd) → the real Slurm runs the script, through red-box on the host → its output in the pod log while it runs
/// → the results in the hostPath on the node → Succeeded, exit code 0.
/// </summary>
[Category("EndToEnd")]
[NonParallelizable]
internal sealed class WalkthroughTests
{
    private JobNamespace _ns = null!;

    [OneTimeSetUp]
    public async Task CreateNamespaceAsync() => _ns = await JobNamespace.CreateAsync("walk");

    [OneTimeTearDown]
    public async Task DeleteNamespaceAsync() => await _ns.DisposeAsync();

    [Test]
    public async Task HelloSample_RunsOnRealSlurmFromKubernetes_WithLiveLogAndResults()
    {
        // ConfigMap → node: every resource and label of this node's entry, as resourced sets them.
        var configMap = await _ns.Client.CoreV1.ReadNamespacedConfigMapAsync("slurm-config", LocalCluster.SystemNamespace);
        var entry = NodeConfig.Parse(configMap.Data["config"]).For(LocalCluster.NodeName);
        Assert.That(entry, Is.Not.Null, $"the installed slurm-config names node {LocalCluster.NodeName}");
        var node = await Eventually.ValueAsync(() => _ns.Client.CoreV1.ReadNodeAsync(LocalCluster.NodeName),
            n => n.Metadata.Labels.TryGetValue(SlurmNodeKeys.WorkloadManagerLabel, out var v) && v == SlurmNodeKeys.WorkloadManagerValue, "node labelled", TimeSpan.FromSeconds(60), JobNamespace.Describe);
        foreach (var (label, value) in entry!.Labels)
        {
            Assert.That(node.Metadata.Labels[$"slurm.sylabs.io/{label}"], Is.EqualTo(value));
        }
        foreach (var (resource, quantity) in entry.Resources)
        {
            var expected = new ResourceQuantity(quantity).ToDecimal();
            Assert.That(node.Status.Capacity[$"slurm.sylabs.io/{resource}"].ToDecimal(), Is.EqualTo(expected), $"capacity {resource}");
            Assert.That(node.Status.Allocatable[$"slurm.sylabs.io/{resource}"].ToDecimal(), Is.EqualTo(expected), $"allocatable {resource}");
        }

        // The SlurmJob, as `kubectl apply -f samples/hello.yaml` would make it.
        const string name = "hello-walk";
        var pod = JobNamespace.CompanionPodName(name);
        var created = await _ns.CreateSampleAsync("hello.yaml", name);

        // The companion pod: created by the operator, owned by the SlurmJob, placed by the scheduler on the labelled
        // node with the script's #SBATCH requests, running in a container from the local image.
        var running = await Eventually.ValueAsync(() => _ns.GetPodAsync(pod),
            p => p?.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null || p?.Status?.Phase is "Succeeded" or "Failed", $"pod {pod} running",
            TimeSpan.FromSeconds(60), JobNamespace.Describe);
        Assert.That(running!.Metadata.OwnerReferences.Single(o => o.Controller == true).Uid, Is.EqualTo(created.Metadata.Uid));
        Assert.That(running.Spec.NodeName, Is.EqualTo(LocalCluster.NodeName));
        Assert.That(running.Status.Conditions.Single(c => c.Type == "PodScheduled").Status, Is.EqualTo("True"));
        Assert.That(running.Spec.Containers[0].Resources.Limits["slurm.sylabs.io/cpu"].ToDecimal(), Is.EqualTo(1m), "#SBATCH --ntasks=1 --cpus-per-task=1");
        Assert.That(running.Status.ContainerStatuses[0].ContainerID, Does.StartWith("containerd://"));
        Assert.That(running.Status.ContainerStatuses[0].Image, Is.EqualTo("docker.io/library/slurmk8s:local"));

        // The output arrives in the pod log while Slurm still runs the job (it prints for 15 s).
        var job = await _ns.WaitForAsync(name, j => j.Status?.Slurm?.JobId is not null, TimeSpan.FromSeconds(30), "Slurm job id");
        var slurmJobId = job.Status!.Slurm!.JobId;
        var (log, stateThen) = await Eventually.ValueAsync(async () =>
        {
            var text = await _ns.LogsAsync(pod);
            return (Text: text, State: text.Contains("tick 1 of 15", StringComparison.Ordinal) ? await RealSlurm.StateAsync(slurmJobId) : "");
        }, r => r.State.Length > 0, $"the first output line in `kubectl logs {pod}`", TimeSpan.FromSeconds(60), JobNamespace.Describe);
        Assert.That(stateThen, Is.EqualTo("RUNNING"), "the first line was in the pod log while Slurm ran the job");
        Assert.That(log, Does.Contain($"hello from Slurm job {slurmJobId}"));
        Assert.That(log, Does.Not.Contain("tick 15 of 15"), "output streams as written, not at the end");

        // The end: Succeeded with exit code 0, the whole output in the log, the result file on the node.
        var done = await _ns.WaitForAsync(name, j => SlurmJobPhase.IsFinished(j.Status?.Phase), TimeSpan.FromSeconds(90), "finished");
        Assert.That((done.Status!.Phase, done.Status.Slurm?.ExitCode, done.Status.Slurm?.State), Is.EqualTo((SlurmJobPhase.Succeeded, (int?)0, (JobState?)JobState.Completed)));
        Assert.That(done.Status.Conditions!.Single(c => c.Type == JobConditions.Finished).Reason, Is.EqualTo("Completed"));
        Assert.That(await RealSlurm.StateAsync(slurmJobId), Is.EqualTo("COMPLETED"));
        var finishedPod = await Eventually.ValueAsync(() => _ns.GetPodAsync(pod), p => p?.Status?.Phase == "Succeeded", "companion exits 0", TimeSpan.FromSeconds(30), JobNamespace.Describe);
        Assert.That(finishedPod!.Status.ContainerStatuses[0].State.Terminated.ExitCode, Is.Zero);
        Assert.That(await _ns.LogsAsync(pod), Does.Contain("tick 15 of 15").And.Contain("done: wrote hello-result.txt"));

        // What a user sees: the first and the final phase announced once each, by the operator (the phases between are
        // in the status); a log of the job's output and the companion's short marked lines; a one-sentence termination message.
        var events = await Eventually.ValueAsync(() => _ns.EventsAsync(name), e => e.Any(x => x.Reason == SlurmJobPhase.Succeeded), "the Succeeded event",
            TimeSpan.FromSeconds(30), JobNamespace.Describe);
        var told = string.Join("\n", events.Select(e => $"{e.Reason}: {e.Message}"));
        Assert.That(events.Select(e => e.Reason), Is.Unique, told);
        Assert.That(events.Select(e => e.Reason), Is.EquivalentTo(new[] { "CreatedPod", SlurmJobPhase.Succeeded }), told);
        Assert.That(events.Single(e => e.Reason == "CreatedPod").Message, Is.EqualTo($"new → Pending: created companion pod {pod}"), told);
        Assert.That(events.Select(e => e.Count ?? 1), Has.All.EqualTo(1), "no event posted twice");
        Assert.That(events.Select(e => e.ReportingComponent ?? e.Source?.Component), Has.All.EqualTo("slurmk8s-operator"));
        var lines = (await _ns.LogsAsync(pod)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Where(l => l.TrimStart().StartsWith('{')), Is.Empty, "no JSON record in kubectl logs");
        Assert.That(lines.Where(l => !l.StartsWith("[slurmk8s] ", StringComparison.Ordinal)).First(), Does.StartWith("hello from Slurm job"), "the job's own output is not marked");
        var summary = finishedPod.Status.ContainerStatuses[0].State.Terminated.Message;
        Assert.That(summary, Is.EqualTo($"Slurm job {slurmJobId} COMPLETED (script exit code 0)"));

        var result = Path.Combine(JobNamespace.ResultsFolder(name), "hello-result.txt");
        Assert.That(File.Exists(result), Is.True, $"{result} on the node");
        Assert.That(await File.ReadAllTextAsync(result), Does.StartWith(string.Create(CultureInfo.InvariantCulture, $"Slurm job {slurmJobId} said hello on ")));
        Assert.That(await SlurmOnTheNode.JobsForAsync(created.Metadata.Uid), Is.EqualTo(1));
    }
}
