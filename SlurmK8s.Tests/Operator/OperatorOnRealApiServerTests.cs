using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.Operator;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Builders;
using SlurmK8s.Tests.Integration;
using SlurmK8s.Tests.Manifests;

namespace SlurmK8s.Tests.Operator;

/// <summary>
/// `slurmk8s operator` (its RunAsync, in this process) against the real API server. No kubelet or scheduler runs,
/// so the tests play the companion: they patch the Slurm fields of the status as a companion would.
/// </summary>
[Category("Integration")]
internal sealed class OperatorOnRealApiServerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private Kubernetes _client = null!;
    private KubeClient _kubeClient = null!;
    private string _ns = null!;
    private string _node = null!;
    private CancellationTokenSource _stop = null!;
    private Task<int> _operator = null!;

    [SetUp]
    public async Task StartOperatorAsync()
    {
        await SlurmJobCrd.EnsureInstalledAsync();
        _client = RealApiServer.CreateClient();
        _kubeClient = RealApiServer.CreateKubeClient();
        _ns = await RealApiServer.NewNamespaceAsync(_client, "op");
        // A node that advertises what resourced would set, so #SBATCH requests become pod limits.
        _node = "op-node-" + Guid.NewGuid().ToString("N")[..8];
        await _client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = _node } });
        await _client.CoreV1.PatchNodeStatusAsync(new V1Patch("""{"status":{"capacity":{"slurm.sylabs.io/cpu":"6","slurm.sylabs.io/mem":"6000Mi"}}}""", V1Patch.PatchType.MergePatch), _node);

        _stop = new CancellationTokenSource();
        var options = new OperatorOptions
        {
            Kubeconfig = RealApiServer.KubeconfigPath,
            Namespace = _ns,
            // The samples' hostPaths are allowed as manifests/operator.yaml allows them.
            Companion = new CompanionPodOptions { Image = "slurmk8s:test", SocketGroupId = 990, CancelTimeout = TimeSpan.FromSeconds(20), ResultsVolumes = OperatorManifest.ResultsVolumes },
            LeaderElection = null,
            HealthPort = 0,
            JsonLogs = false,
        };
        _operator = Task.Run(() => OperatorCommand.RunAsync(options, _stop.Token));
    }

    [TearDown]
    public async Task StopOperatorAsync()
    {
        await _stop.CancelAsync();
        Assert.That(await _operator.WaitAsync(TimeSpan.FromSeconds(15)), Is.Zero, "the operator exits 0 when stopped");
        _stop.Dispose();
        _operator.Dispose();
        await _client.CoreV1.DeleteNodeAsync(_node);
        _client.Dispose();
        _kubeClient.Dispose();
    }

    [TestCaseSource(typeof(RepositoryFiles), nameof(RepositoryFiles.SampleNames))]
    public async Task Operator_CreatesTheCompanionPodForEachSample(string sample)
    {
        var job = Samples.Read(sample);

        await CreateAsync(job);

        var pod = await EventuallyAsync(() => GetPodAsync(job.Metadata.Name + "-job"), p => p is not null);
        Assert.That(pod!.Spec.NodeSelector["slurm.sylabs.io/workload-manager"], Is.EqualTo("slurm"));
        foreach (var (label, value) in job.Spec.NodeSelector ?? new Dictionary<string, string>())
        {
            Assert.That(pod.Spec.NodeSelector[label], Is.EqualTo(value));
        }
        Assert.That(pod.Metadata.OwnerReferences.Single().Name, Is.EqualTo(job.Metadata.Name));
        Assert.That(pod.Spec.SecurityContext.SupplementalGroups, Is.EqualTo(new long[] { 990 }));
        Assert.That(pod.Spec.Containers[0].Resources.Limits.Keys, Does.Contain("slurm.sylabs.io/cpu"), "every sample asks for CPUs (at least sbatch's default one)");
        if (job.Spec.Results?.Mount is { } mount)
        {
            Assert.That(pod.Spec.Volumes.Select(v => v.Name), Does.Contain(mount.Name));
        }
        // The pass that creates the pod writes Pending and its name, after the pod: the status may lag the pod a moment.
        var stored = await EventuallyAsync(() => GetJobAsync(job.Metadata.Name), j => j?.Status?.Phase == SlurmJobPhase.Pending && j.Status.PodName is not null);
        Assert.That(stored!.Metadata.Finalizers, Does.Contain(SlurmJobReconciler.Finalizer));
        Assert.That(stored.Status!.PodName, Is.EqualTo(job.Metadata.Name + "-job"));
    }

    [Test]
    public async Task Operator_StoppedWhileItStarts_ExitsAsStopped()
    {
        // As a SIGTERM during a rollout: the stop may come before the health server or the caches are up.
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();

        var exit = await OperatorCommand.RunAsync(new OperatorOptions
        {
            Kubeconfig = RealApiServer.KubeconfigPath, Namespace = _ns, Companion = new CompanionPodOptions { Image = "slurmk8s:test" },
            LeaderElection = null, HealthPort = 0, JsonLogs = false,
        }, stopped.Token).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.That(exit, Is.Zero);
    }

    [Test]
    public async Task Operator_FollowsWhatTheCompanionReports()
    {
        await CreateAsync(SlurmJobBuilder.Job("hello"));
        await EventuallyAsync(() => GetPodAsync("hello-job"), p => p is not null);

        await PatchCompanionStatusAsync("hello", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 7, State = JobState.Running } });
        await EventuallyAsync(() => GetJobAsync("hello"), j => j?.Status?.Phase == SlurmJobPhase.Running);
        await PatchCompanionStatusAsync("hello", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 7, State = JobState.Completed, ExitCode = 0 } });
        var done = await EventuallyAsync(() => GetJobAsync("hello"), j => j?.Status?.Phase == SlurmJobPhase.Succeeded);

        Assert.That(done!.Status!.Slurm?.JobId, Is.EqualTo(7), "the operator's writes leave the companion's fields alone");
        Assert.That(done.Status.Conditions!.Single(c => c.Type == JobConditions.Finished).Reason, Is.EqualTo("Completed"));
        var events = await EventuallyAsync(() => EventReasonsAsync("hello"), r => r.Contains(SlurmJobPhase.Succeeded));
        Assert.That(events, Is.EquivalentTo(new[] { "CreatedPod", SlurmJobPhase.Succeeded }), "the first and the last phase; Running is in the status");

        // Finished: nothing left to cancel, so the finalizer is off and a delete needs no operator and posts nothing.
        await EventuallyAsync(() => GetJobAsync("hello"), j => j?.Metadata.Finalizers is not { Count: > 0 });
        await DeleteJobAsync("hello");
        Assert.That(await GetJobAsync("hello"), Is.Null);
        Assert.That(await EventReasonsAsync("hello"), Does.Not.Contain("Released"));
    }

    [Test]
    public async Task Operator_AnnouncesEachTransitionOnce_ThoughItPlansFromCachesThatLag()
    {
        await CreateAsync(SlurmJobBuilder.Job("once"));
        await EventuallyAsync(() => GetJobAsync("once"), j => j?.Status?.PodName is not null);
        await PatchCompanionStatusAsync("once", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 8, State = JobState.Running } });
        await EventuallyAsync(() => GetJobAsync("once"), j => j?.Status?.Phase == SlurmJobPhase.Running);
        await PatchCompanionStatusAsync("once", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 8, State = JobState.Completed, ExitCode = 0 } });
        await EventuallyAsync(() => GetJobAsync("once"), j => j?.Status?.Phase == SlurmJobPhase.Succeeded);
        await Task.Delay(TimeSpan.FromSeconds(2));   // time for any pass planned from an older version to try, and lose

        var reasons = await EventReasonsAsync("once");

        Assert.That(reasons.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key), Is.Empty, string.Join(", ", reasons));
        Assert.That(reasons, Is.EquivalentTo(new[] { "CreatedPod", SlurmJobPhase.Succeeded }));
    }

    [Test]
    public async Task Operator_NodeAdvertisingAResourceAfterItStarted_ItsRequestsReachThePod()
    {
        var gpuNode = "op-gpu-" + Guid.NewGuid().ToString("N")[..8];
        await _client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = gpuNode } });
        try
        {
            await _client.CoreV1.PatchNodeStatusAsync(new V1Patch("""{"status":{"capacity":{"slurm.sylabs.io/gpu":"4"}}}""", V1Patch.PatchType.MergePatch), gpuNode);
            await Task.Delay(TimeSpan.FromSeconds(1));   // the node cache follows its watch

            await CreateAsync(SlurmJobBuilder.Job("gpus", "#!/bin/sh\n#SBATCH --gpus=2\necho hi\n"));
            var pod = await EventuallyAsync(() => GetPodAsync("gpus-job"), p => p is not null);

            Assert.That(pod!.Spec.Containers[0].Resources.Limits["slurm.sylabs.io/gpu"].ToString(), Is.EqualTo("2"));
        }
        finally
        {
            await _client.CoreV1.DeleteNodeAsync(gpuNode);
        }
    }

    [Test]
    public async Task Operator_WhenDirectiveIsBad_FailsWithTheLineAndCreatesNoPod()
    {
        await CreateAsync(SlurmJobBuilder.Job("bad", "#!/bin/sh\n#SBATCH --nodes=abc\necho hi\n"));

        var job = await EventuallyAsync(() => GetJobAsync("bad"), j => j?.Status?.Phase == SlurmJobPhase.Failed);

        Assert.That(job!.Status!.Conditions!.Single(c => c.Type == JobConditions.Finished).Message, Does.Contain("#SBATCH --nodes=abc"));
        Assert.That(await GetPodAsync("bad-job"), Is.Null);
    }

    [Test]
    public async Task Operator_WhenResultsVolumeIsOutsideThePolicy_FailsNamingItAndCreatesNoPod()
    {
        // A tenant asking for the node's /etc as its results volume.
        await CreateAsync(SlurmJobBuilder.Job("escape").WithResults(new V1Volume { Name = "data", HostPath = new V1HostPathVolumeSource { Path = "/etc" } }));

        var job = await EventuallyAsync(() => GetJobAsync("escape"), j => j?.Status?.Phase == SlurmJobPhase.Failed);

        var finished = job!.Status!.Conditions!.Single(c => c.Type == JobConditions.Finished);
        Assert.That(finished.Reason, Is.EqualTo(PodRefusal.ResultsVolumeNotAllowed));
        Assert.That(finished.Message, Does.Contain("hostPath /etc").And.Contain(ResultsVolumePolicy.HostPathPrefixFlag));
        Assert.That(await GetPodAsync("escape-job"), Is.Null);
    }

    [Test]
    public async Task Operator_WhenCompanionPodIsDeletedMidJob_CreatesItAgain()
    {
        await CreateAsync(SlurmJobBuilder.Job("cow"));
        var first = await EventuallyAsync(() => GetPodAsync("cow-job"), p => p is not null);
        await PatchCompanionStatusAsync("cow", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 8, State = JobState.Running } });

        await _client.CoreV1.DeleteNamespacedPodAsync("cow-job", _ns, new V1DeleteOptions { GracePeriodSeconds = 0 });

        var second = await EventuallyAsync(() => GetPodAsync("cow-job"), p => p is not null && p.Metadata.Uid != first!.Metadata.Uid);
        Assert.That(second, Is.Not.Null);
    }

    [Test]
    public async Task Operator_WhenDeletedBeforeAnySubmission_LetsTheSlurmJobGoAtOnce()
    {
        await CreateAsync(SlurmJobBuilder.Job("early"));
        await EventuallyAsync(() => GetJobAsync("early"), j => j?.Metadata.Finalizers?.Contains(SlurmJobReconciler.Finalizer) == true);

        await DeleteJobAsync("early");

        Assert.That(await EventuallyAsync(() => GetJobAsync("early"), j => j is null), Is.Null);
    }

    [Test]
    public async Task Operator_WhenDeletedMidJob_HoldsItUntilSlurmSaysCancelled()
    {
        await CreateAsync(SlurmJobBuilder.Job("busy"));
        await EventuallyAsync(() => GetPodAsync("busy-job"), p => p is not null);
        await PatchCompanionStatusAsync("busy", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 9, State = JobState.Running } });
        await EventuallyAsync(() => GetJobAsync("busy"), j => j?.Status?.Phase == SlurmJobPhase.Running);

        await DeleteJobAsync("busy");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var held = await GetJobAsync("busy");
        Assert.That(held?.Metadata.DeletionTimestamp, Is.Not.Null, "the finalizer holds it while Slurm job 9 runs");

        await PatchCompanionStatusAsync("busy", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 9, State = JobState.Cancelled } });   // what the companion does on deletion
        Assert.That(await EventuallyAsync(() => GetJobAsync("busy"), j => j is null), Is.Null);
    }

    [Test]
    public async Task Operator_InANamespaceWhoseQuotaForbidsThePod_SaysWhichRuleInTheStatus_AndMakesThePodOnceTheQuotaAllowsIt()
    {
        // A compute quota as sites set them, with less memory than a companion requests (32Mi).
        await SetQuotaAsync("compute", new() { ["requests.memory"] = "16Mi", ["limits.memory"] = "1Gi" });

        await CreateAsync(SlurmJobBuilder.Job("capped"));

        var refused = await EventuallyAsync(() => GetJobAsync("capped"), j => j?.Status?.Conditions?.Any(c => c.Reason == SlurmJobController.PodForbidden) == true);
        var scheduled = refused!.Status!.Conditions!.Single(c => c.Type == JobConditions.Scheduled);
        Assert.That((refused.Status.Phase, scheduled.Status), Is.EqualTo((SlurmJobPhase.Pending, "False")));
        // kube-apiserver's own words, with what the quota has in use left out.
        Assert.That(scheduled.Message, Does.StartWith($"Kubernetes forbids companion pod capped-job in namespace {_ns}: exceeded quota: compute, requested: ")
            .And.Contain("requests.memory=32Mi").And.Not.Contain("used:").And.EndWith("it asks for cpu 10m, memory 32Mi (at most 128Mi), and is tried again every 30 s"));
        Assert.That(await EventReasonsAsync("capped"), Is.EquivalentTo(new[] { SlurmJobPhase.Pending, SlurmJobController.PodForbidden }), "the first phase, and one Warning");
        Assert.That(await GetPodAsync("capped-job"), Is.Null);

        await SetQuotaAsync("compute", new() { ["requests.memory"] = "1Gi", ["limits.memory"] = "1Gi" });

        Assert.That(await Eventually.ValueAsync(() => GetPodAsync("capped-job"), p => p is not null, "the pod, once the quota allows it", TimeSpan.FromSeconds(45)), Is.Not.Null);
    }

    [Test]
    public async Task CompanionPod_InANamespaceWhoseQuotaCountsMemory_IsAcceptedWithItsRequests_AndWouldBeRefusedWithout()
    {
        await SetQuotaAsync("compute", new() { ["requests.cpu"] = "1", ["requests.memory"] = "1Gi", ["limits.memory"] = "1Gi" });
        var job = SlurmJobBuilder.Job("counted");
        job.Metadata.NamespaceProperty = _ns;
        var options = new CompanionPodOptions { Image = "slurmk8s:test" };
        var (bare, _) = CompanionPod.Build(job, new Dictionary<string, string>(), options with { Resources = CompanionResources.Create("", "", "").Resources! });
        var (pod, _) = CompanionPod.Build(job, new Dictionary<string, string>(), options);

        var refusal = await Assert.ThrowsAsync<KubeApiException>(() => new KubeApi(_kubeClient).CreatePodAsync(bare!, CancellationToken.None));
        var created = await new KubeApi(_kubeClient).CreatePodAsync(pod!, CancellationToken.None);

        Assert.That(refusal!.StatusCode, Is.EqualTo(403));
        Assert.That(refusal.Message, Does.Contain("must specify"));
        Assert.That(created, Is.EqualTo(CreateResult.Created));
    }

    // ---- helpers

    /// <summary>
    /// A ResourceQuota with these hard limits. No controller-manager runs beside this API server, so the status the
    /// quota admission reads (hard, and used from zero) is written here.
    /// </summary>
    private async Task SetQuotaAsync(string name, Dictionary<string, string> hard)
    {
        var amounts = hard.ToDictionary(h => h.Key, h => new ResourceQuantity(h.Value));
        var quota = await _client.CoreV1.ListNamespacedResourceQuotaAsync(_ns, fieldSelector: $"metadata.name={name}");
        var current = quota.Items.SingleOrDefault()
            ?? await _client.CoreV1.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1ResourceQuotaSpec { Hard = amounts } }, _ns);
        current.Spec.Hard = amounts;
        current = await _client.CoreV1.ReplaceNamespacedResourceQuotaAsync(current, name, _ns);
        current.Status = new V1ResourceQuotaStatus { Hard = amounts, Used = current.Status?.Used ?? hard.ToDictionary(h => h.Key, _ => new ResourceQuantity("0")) };
        await _client.CoreV1.ReplaceNamespacedResourceQuotaStatusAsync(current, name, _ns);
    }

    private Task<SlurmJob> CreateAsync(SlurmJob job)
    {
        job.Metadata.NamespaceProperty = _ns;
        job.Metadata.Uid = null;
        return _client.CustomObjects.CreateNamespacedCustomObjectAsync<SlurmJob>(job, SlurmJob.Group, SlurmJob.Version, _ns, SlurmJob.Plural);
    }

    private Task<object> DeleteJobAsync(string name) =>
        _client.CustomObjects.DeleteNamespacedCustomObjectAsync(SlurmJob.Group, SlurmJob.Version, _ns, SlurmJob.Plural, name);

    private async Task<SlurmJob?> GetJobAsync(string name) => await new KubeApi(_kubeClient).GetSlurmJobAsync(_ns, name, CancellationToken.None);

    private async Task<V1Pod?> GetPodAsync(string name) => await new KubeApi(_kubeClient).GetPodAsync(_ns, name, CancellationToken.None);

    private Task<SlurmJob> PatchCompanionStatusAsync(string name, SlurmJobStatus fields) =>
        new KubeApi(_kubeClient).PatchSlurmJobStatusAsync(_ns, name, SlurmK8s.Tests.Kube.KubeApiContract.Patch(fields), CancellationToken.None);

    private async Task<List<string>> EventReasonsAsync(string name)
    {
        var events = await _client.CoreV1.ListNamespacedEventAsync(_ns, fieldSelector: $"involvedObject.name={name}");
        return [.. events.Items.Select(e => e.Reason)];
    }

    /// <summary>Polls until <paramref name="done"/> holds; fails the test with the last value seen (as JSON) after <see cref="Patience"/>.</summary>
    private static Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, [CallerArgumentExpression(nameof(done))] string what = "") =>
        Eventually.ValueAsync(read, done, what, Patience, value => value is null ? "nothing" : KubernetesJson.Serialize(value), TimeSpan.FromMilliseconds(200));
}
