using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>
/// Pods deleted while Slurm runs the job: the operator's (its Deployment starts another, which takes over the Lease) and
/// the companion's (the operator starts another, which re-attaches). The job still ends right, and Slurm holds exactly
/// one job for the SlurmJob (counted by its idempotency key in the Slurm job's comment).
/// </summary>
[Category("EndToEnd")]
[NonParallelizable]
internal sealed class DisruptionTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);
    private const string OperatorSelector = "app.kubernetes.io/name=slurm-operator";
    private JobNamespace _ns = null!;

    [OneTimeSetUp]
    public async Task CreateNamespaceAsync() => _ns = await JobNamespace.CreateAsync("disrupt");

    [OneTimeTearDown]
    public async Task DeleteNamespaceAsync() => await _ns.DisposeAsync();

    [Test]
    public async Task OperatorPodDeletedMidJob_JobStillSucceeds_WithOneSlurmJob()
    {
        const string name = "operator-gone";
        var created = await _ns.CreateSampleAsync("hello.yaml", name);
        await _ns.WaitForPhaseAsync(name, SlurmJobPhase.Running, Minute);
        var before = await OperatorPodsAsync();

        await LocalCluster.KubectlSucceedsAsync("delete", "pod", "-n", LocalCluster.SystemNamespace, "-l", OperatorSelector, "--wait=false");

        var done = await _ns.WaitForAsync(name, j => SlurmJobPhase.IsFinished(j.Status?.Phase), TimeSpan.FromSeconds(90), "finished");
        Assert.That((done.Status!.Phase, done.Status.Slurm?.ExitCode), Is.EqualTo((SlurmJobPhase.Succeeded, (int?)0)));
        Assert.That(await SlurmOnTheNode.JobsForAsync(created.Metadata.Uid), Is.EqualTo(1));
        Assert.That(File.Exists(Path.Combine(JobNamespace.ResultsFolder(name), "hello-result.txt")), Is.True);
        // A new operator pod runs and is ready (and the following tests have one).
        var after = await Eventually.ValueAsync(OperatorPodsAsync,
            pods => pods.Any(p => before.All(b => b.Metadata.Name != p.Metadata.Name) && p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true), "a new, ready operator pod",
            Minute, JobNamespace.Describe);
        Assert.That(after.Select(p => p.Metadata.Name), Is.Not.SubsetOf(before.Select(p => p.Metadata.Name)));
    }

    [Test]
    public async Task CompanionPodDeletedMidJob_NewCompanionReattaches_JobSucceedsWithOneSlurmJob()
    {
        const string name = "companion-gone";
        var podName = JobNamespace.CompanionPodName(name);
        var created = await _ns.CreateSampleAsync("hello.yaml", name);
        var running = await _ns.WaitForPhaseAsync(name, SlurmJobPhase.Running, Minute);
        var slurmJobId = running.Status!.Slurm!.JobId;
        var first = (await _ns.GetPodAsync(podName))!;

        await _ns.Client.CoreV1.DeleteNamespacedPodAsync(podName, _ns.Name);

        Assert.That(await RealSlurm.StateAsync(slurmJobId), Is.EqualTo("RUNNING"), "a companion stopped for any other reason than deletion leaves the job running");
        var second = await Eventually.ValueAsync(() => _ns.GetPodAsync(podName), p => p is not null && p.Metadata.Uid != first.Metadata.Uid, "a new companion pod", Minute, JobNamespace.Describe);
        var done = await _ns.WaitForAsync(name, j => SlurmJobPhase.IsFinished(j.Status?.Phase), TimeSpan.FromSeconds(90), "finished");
        Assert.That((done.Status!.Phase, done.Status.Slurm?.ExitCode, done.Status.Slurm?.JobId), Is.EqualTo((SlurmJobPhase.Succeeded, (int?)0, (long?)slurmJobId)));
        Assert.That(await SlurmOnTheNode.JobsForAsync(created.Metadata.Uid), Is.EqualTo(1), "re-attached, never resubmitted");
        // `kubectl logs` can fail for a moment around a container's end (LogsAsync then says ""): ask until it answers.
        var log = await Eventually.ValueAsync(() => _ns.LogsAsync(podName), l => l.Length > 0, $"kubectl logs {podName}", TimeSpan.FromSeconds(30), JobNamespace.Describe);
        Assert.That(log, Does.Contain($"Re-attached to Slurm job {slurmJobId}"), "the new companion says so in its log");
        Assert.That(second!.Metadata.OwnerReferences.Single().Uid, Is.EqualTo(created.Metadata.Uid));
        await Eventually.TrueAsync(() => Task.FromResult(File.Exists(Path.Combine(JobNamespace.ResultsFolder(name), "hello-result.txt"))),
            "the new companion collected the results", TimeSpan.FromSeconds(30));
    }

    private static async Task<List<V1Pod>> OperatorPodsAsync()
    {
        using var client = LocalCluster.CreateClient();
        var pods = await client.CoreV1.ListNamespacedPodAsync(LocalCluster.SystemNamespace, labelSelector: OperatorSelector);
        return [.. pods.Items.Where(p => p.Metadata.DeletionTimestamp is null)];
    }
}
