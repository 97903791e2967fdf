using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;
using SlurmK8s.Operator;

using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>On the real cluster: a job no node can take, a job that fails, and deleting jobs that Slurm runs or holds.</summary>
[Category("EndToEnd")]
[NonParallelizable]
internal sealed class SlurmJobLifecycleTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);
    private JobNamespace _ns = null!;

    [OneTimeSetUp]
    public async Task CreateNamespaceAsync() => _ns = await JobNamespace.CreateAsync("life");

    [OneTimeTearDown]
    public async Task DeleteNamespaceAsync() => await _ns.DisposeAsync();

    [Test]
    public async Task JobAskingForMoreCpusThanAnyNodeHas_StaysPendingWithTheSchedulersWords()
    {
        const string name = "too-big";
        await _ns.CreateScriptAsync(name, "#!/bin/sh\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=100\necho never\n");

        var pending = await _ns.WaitForAsync(name, j => Scheduled(j)?.Status == "False", Minute, "Scheduled=False");
        var scheduled = Scheduled(pending)!;
        Assert.That(scheduled.Message, Does.Contain("Insufficient slurm.sylabs.io/cpu"), "the scheduler's words");
        Assert.That(scheduled.Reason, Is.EqualTo("Unschedulable"));
        await Task.Delay(TimeSpan.FromSeconds(5));
        var later = await _ns.GetAsync(name);
        Assert.That((later!.Status!.Phase, later.Status.Slurm?.JobId), Is.EqualTo((SlurmJobPhase.Pending, (long?)null)), "still Pending, nothing submitted");
        var pod = await _ns.GetPodAsync(JobNamespace.CompanionPodName(name));
        Assert.That((pod!.Status.Phase, pod.Spec.NodeName), Is.EqualTo(("Pending", (string?)null)));
        Assert.That(pod.Spec.Containers[0].Resources.Limits["slurm.sylabs.io/cpu"].ToDecimal(), Is.EqualTo(100m));
        Assert.That((await _ns.EventsAsync(name)).Select(e => e.Message), Has.Some.Contains("Insufficient slurm.sylabs.io/cpu"), "an event says it too");

        await _ns.DeleteAsync(name);
        await _ns.WaitUntilGoneAsync(name, TimeSpan.FromSeconds(30));
        await _ns.WaitUntilPodGoneAsync(pod.Metadata.Name, Minute);
    }

    [Test]
    public async Task FailingSample_EndsFailedWithItsExitCodeAndSlurmsReason_AndItsOutputIsCollected()
    {
        const string name = "failing-life";
        await _ns.CreateSampleAsync("failing.yaml", name);

        var failed = await _ns.WaitForAsync(name, j => SlurmJobPhase.IsFinished(j.Status?.Phase), TimeSpan.FromSeconds(90), "finished");

        var status = failed.Status!;
        Assert.That((status.Phase, status.Slurm?.ExitCode, status.Slurm?.State, status.Slurm?.Reason), Is.EqualTo((SlurmJobPhase.Failed, (int?)3, (JobState?)JobState.Failed, "NonZeroExitCode")));
        Assert.That(status.Conditions!.Single(c => c.Type == JobConditions.Finished).Message, Does.Contain("exit code 3"));
        var output = Path.Combine(JobNamespace.ResultsFolder(name), $"slurm-{status.Slurm?.JobId}.out");
        await Eventually.TrueAsync(() => Task.FromResult(File.Exists(output)), $"{output} on the node", TimeSpan.FromSeconds(30));
        Assert.That(await File.ReadAllTextAsync(output), Does.Contain("something went wrong: input.csv not found"));
        var pod = await Eventually.ValueAsync(() => _ns.GetPodAsync(JobNamespace.CompanionPodName(name)), p => p?.Status?.Phase == "Failed", "companion pod Failed", Minute, JobNamespace.Describe);
        Assert.That(pod!.Status.ContainerStatuses[0].State.Terminated.ExitCode, Is.EqualTo(10), "the companion's exit code for a failed job");
        Assert.That(pod.Status.ContainerStatuses[0].State.Terminated.Message, Does.StartWith($"Slurm job {status.Slurm!.JobId} FAILED"));
        var words = (await _ns.EventsAsync(name)).Select(e => e.Message).Concat(status.Conditions!.Select(c => c.Message)).ToList();
        Assert.That(words.Where(w => w.Contains('{', StringComparison.Ordinal) || w.Contains('\n', StringComparison.Ordinal)), Is.Empty,
            "conditions and events are sentences, never a serialized log record");
    }

    [Test]
    public async Task DeletingARunningJob_CancelsItInSlurm_AndThePodGoes()
    {
        const string name = "delete-running";
        await _ns.CreateSampleAsync("hello.yaml", name);
        var running = await _ns.WaitForPhaseAsync(name, SlurmJobPhase.Running, Minute);
        var slurmJobId = running.Status!.Slurm!.JobId;
        Assert.That(await RealSlurm.StateAsync(slurmJobId), Is.EqualTo("RUNNING"));

        await _ns.DeleteAsync(name);

        await _ns.WaitUntilGoneAsync(name, Minute);
        Assert.That(await RealSlurm.StateAsync(slurmJobId), Is.EqualTo("CANCELLED"), "the finalizer came off only once Slurm said so");
        await _ns.WaitUntilPodGoneAsync(JobNamespace.CompanionPodName(name), Minute);
    }

    [Test]
    public async Task DeletingAJobSlurmHoldsPending_CancelsIt_AndThePodGoes()
    {
        const string name = "delete-pending";
        await _ns.CreateScriptAsync(name, "#!/bin/sh\n#SBATCH --begin=now+1hour\n#SBATCH --ntasks=1\necho an hour later\n");
        var submitted = await _ns.WaitForPhaseAsync(name, SlurmJobPhase.Submitted, Minute);
        var slurmJobId = submitted.Status!.Slurm!.JobId;
        Assert.That(await RealSlurm.StateAsync(slurmJobId), Is.EqualTo("PENDING"));
        Assert.That(await SlurmOnTheNode.PendingReasonAsync(slurmJobId), Is.EqualTo("BeginTime"));

        await _ns.DeleteAsync(name);

        await _ns.WaitUntilGoneAsync(name, Minute);
        Assert.That(await RealSlurm.StateAsync(slurmJobId), Is.EqualTo("CANCELLED"));
        await _ns.WaitUntilPodGoneAsync(JobNamespace.CompanionPodName(name), Minute);
    }

    private static k8s.Models.V1Condition? Scheduled(SlurmJob job) => job.Status?.Conditions?.FirstOrDefault(c => c.Type == JobConditions.Scheduled);
}
