using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Integration;
using SlurmK8s.Tests.Manifests;

namespace SlurmK8s.Tests.Kube;

/// <summary>KubeApi against the run's real kube-apiserver.</summary>
[Category("Integration")]
internal sealed class KubeApiTests
{
    private Kubernetes _client = null!;
    private KubeApi _kube = null!;
    private string _ns = null!;

    [OneTimeSetUp]
    public Task StartApiServer() => SlurmJobCrd.EnsureInstalledAsync();

    [SetUp]
    public async Task NewNamespace()
    {
        _client = RealApiServer.CreateClient();
        _kube = new KubeApi(_client, "kube-api-tests");
        _ns = await RealApiServer.NewNamespaceAsync(_client, "kube");
    }

    [TearDown]
    public void DisposeClient() => _client.Dispose();

    [Test]
    public async Task GetSlurmJob_ReturnsTheJobOrNullWhenThereIsNone()
    {
        await CreateSlurmJobAsync(_client, _ns, "cow");

        var job = await _kube.GetSlurmJobAsync(_ns, "cow", CancellationToken.None);
        var missing = await _kube.GetSlurmJobAsync(_ns, "absent", CancellationToken.None);

        Assert.That(job!.Spec.Batch, Does.Contain("echo moo"));
        Assert.That(job.Metadata.Uid, Is.Not.Empty);
        Assert.That(missing, Is.Null);
    }

    [Test]
    public async Task PatchSlurmJobStatus_EachWriterPatchesOnlyItsFields_TheOtherWritersFieldsStay()
    {
        var created = await CreateSlurmJobAsync(_client, _ns, "cow");
        var start = new DateTime(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc);

        // The companion reports Slurm's view; the operator then writes its own fields; the companion reports the end.
        await _kube.PatchSlurmJobStatusAsync(_ns, "cow", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 42, State = JobState.Running, StartTime = start, NodeList = "node1" } }, CancellationToken.None);
        await _kube.PatchSlurmJobStatusAsync(_ns, "cow", new SlurmJobStatus
        {
            Phase = SlurmJobPhase.Running,
            PodName = "cow-job",
            ObservedGeneration = 1,
            Conditions = [new V1Condition { Type = "Submitted", Status = "True", Reason = "SlurmAccepted", Message = "Slurm job 42", LastTransitionTime = start }],
        }, CancellationToken.None);
        var final = await _kube.PatchSlurmJobStatusAsync(_ns, "cow", new JsonObject { ["slurm"] = new JsonObject { ["state"] = "COMPLETED", ["exitCode"] = 0, ["endTime"] = start.AddMinutes(1).ToString("o") } }, CancellationToken.None);

        var stored = await _kube.GetSlurmJobAsync(_ns, "cow", CancellationToken.None);
        foreach (var job in new[] { final, stored! })
        {
            var status = job.Status!;
            Assert.That(status.Slurm!.JobId, Is.EqualTo(42));
            Assert.That(status.Slurm.State, Is.EqualTo(JobState.Completed));
            Assert.That(status.Slurm.ExitCode, Is.Zero);
            Assert.That(status.Slurm.StartTime, Is.EqualTo(start), "a merge patch of a nested object keeps the fields it does not name");
            Assert.That(status.Slurm.NodeList, Is.EqualTo("node1"));
            Assert.That(status.Phase, Is.EqualTo(SlurmJobPhase.Running));
            Assert.That(status.PodName, Is.EqualTo("cow-job"));
            Assert.That(status.Conditions!.Single().Reason, Is.EqualTo("SlurmAccepted"));
        }
        Assert.That(stored!.Spec.Batch, Is.EqualTo(created.Spec.Batch));
        Assert.That(stored.Metadata.Generation, Is.EqualTo(created.Metadata.Generation), "a status write is not a spec change");
    }

    [Test]
    public async Task PatchSlurmJobStatus_AJsonNull_RemovesThatFieldOnly()
    {
        await CreateSlurmJobAsync(_client, _ns, "cow");
        await _kube.PatchSlurmJobStatusAsync(_ns, "cow", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 42, Reason = "Priority" }, Phase = SlurmJobPhase.Submitted }, CancellationToken.None);

        var final = await _kube.PatchSlurmJobStatusAsync(_ns, "cow", new JsonObject { ["slurm"] = new JsonObject { ["reason"] = null, ["state"] = "RUNNING" } }, CancellationToken.None);

        Assert.That((final.Status!.Slurm!.JobId, final.Status.Slurm.Reason, final.Status.Slurm.State, final.Status.Phase),
            Is.EqualTo((42L, (string?)null, (JobState?)JobState.Running, SlurmJobPhase.Submitted)));
    }

    [Test]
    public async Task WatchSlurmJob_ReportsItNowAndAfterEachOfItsChanges_ThenNullOnceGone()
    {
        var cow = await CreateSlurmJobAsync(_client, _ns, "cow");
        await _kube.SetSlurmJobFinalizersAsync(_ns, "cow", ["slurm.sylabs.io/test-hold"], cow.Metadata.ResourceVersion, CancellationToken.None);
        await CreateSlurmJobAsync(_client, _ns, "other");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var watch = _kube.WatchSlurmJobAsync(_ns, "cow", timeout.Token).GetAsyncEnumerator(timeout.Token);

        Assert.That(await watch.MoveNextAsync() && watch.Current!.Metadata.Name == "cow");
        await _kube.PatchSlurmJobStatusAsync(_ns, "other", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 1, State = JobState.Running } }, CancellationToken.None);
        await _kube.PatchSlurmJobStatusAsync(_ns, "cow", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 1, State = JobState.Running } }, CancellationToken.None);
        Assert.That(await watch.MoveNextAsync() && watch.Current!.Status!.Slurm?.State == JobState.Running, "its own change, not the other's");
        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(SlurmJob.Group, SlurmJob.Version, _ns, SlurmJob.Plural, "cow");
        Assert.That(await watch.MoveNextAsync() && watch.Current!.Metadata.DeletionTimestamp is not null, "held by its finalizer");
        await _kube.SetSlurmJobFinalizersAsync(_ns, "cow", [], watch.Current!.Metadata.ResourceVersion, CancellationToken.None);
        Assert.That(await watch.MoveNextAsync() && watch.Current is null, "gone");
        Assert.That(await watch.MoveNextAsync(), Is.False, "the end");
    }

    [Test]
    public async Task WatchSlurmJob_WhenThereIsNone_ReportsNullAndEnds()
    {
        var seen = new List<SlurmJob?>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var job in _kube.WatchSlurmJobAsync(_ns, "absent", timeout.Token))
        {
            seen.Add(job);
        }

        Assert.That(seen, Is.EqualTo(new SlurmJob?[] { null }));
    }

    [Test]
    public async Task PatchSlurmJobStatus_WhenTheJobIsGone_ThrowsNotFoundNamingIt()
    {
        var error = await Assert.ThrowsAsync<KubeApiException>(() =>
            _kube.PatchSlurmJobStatusAsync(_ns, "absent", new SlurmJobStatus { Phase = SlurmJobPhase.Failed }, CancellationToken.None));

        Assert.That(error!.IsNotFound);
        Assert.That(error.Message, Does.Contain($"{_ns}/absent").And.Contain("not found"));
    }

    [Test]
    public async Task SetSlurmJobFinalizers_WithAStaleResourceVersion_ThrowsConflictAndChangesNothing()
    {
        var created = await CreateSlurmJobAsync(_client, _ns, "cow");
        var withFinalizer = await _kube.SetSlurmJobFinalizersAsync(_ns, "cow", ["slurm.sylabs.io/cancel"], created.Metadata.ResourceVersion, CancellationToken.None);

        var error = await Assert.ThrowsAsync<KubeApiException>(() =>
            _kube.SetSlurmJobFinalizersAsync(_ns, "cow", [], created.Metadata.ResourceVersion, CancellationToken.None));

        Assert.That(withFinalizer.Metadata.Finalizers, Is.EqualTo(new[] { "slurm.sylabs.io/cancel" }));
        Assert.That(error!.IsConflict, $"{error.StatusCode} {error.Reason}: {error.Message}");
        Assert.That(error.Message, Does.Contain("the object has been modified"));
        var stored = await _kube.GetSlurmJobAsync(_ns, "cow", CancellationToken.None);
        Assert.That(stored!.Metadata.Finalizers, Is.EqualTo(new[] { "slurm.sylabs.io/cancel" }));
    }

    [Test]
    public async Task SetSlurmJobFinalizers_ToNoneOnADeletedJob_LetsTheApiServerRemoveIt()
    {
        var created = await CreateSlurmJobAsync(_client, _ns, "cow");
        await _kube.SetSlurmJobFinalizersAsync(_ns, "cow", ["slurm.sylabs.io/cancel"], created.Metadata.ResourceVersion, CancellationToken.None);
        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(SlurmJob.Group, SlurmJob.Version, _ns, SlurmJob.Plural, "cow");

        var deleting = await _kube.GetSlurmJobAsync(_ns, "cow", CancellationToken.None);
        Assert.That(deleting!.Metadata.DeletionTimestamp, Is.Not.Null, "held by its finalizer");
        await _kube.SetSlurmJobFinalizersAsync(_ns, "cow", [], deleting.Metadata.ResourceVersion, CancellationToken.None);

        Assert.That(await _kube.GetSlurmJobAsync(_ns, "cow", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Pods_CreateGetDelete_ToleratingWhatAlreadyIsOrIsNot()
    {
        var first = await _kube.CreatePodAsync(Pod(_ns, "cow-job", "slurm.sylabs.io/slurmjob", "cow"), CancellationToken.None);
        var again = await _kube.CreatePodAsync(Pod(_ns, "cow-job", "slurm.sylabs.io/slurmjob", "cow"), CancellationToken.None);
        await _kube.CreatePodAsync(Pod(_ns, "other", "app", "other"), CancellationToken.None);

        var got = await _kube.GetPodAsync(_ns, "cow-job", CancellationToken.None);
        var deleted = await _kube.DeletePodAsync(_ns, "cow-job", CancellationToken.None);
        var deletedAgain = await _kube.DeletePodAsync(_ns, "cow-job", CancellationToken.None);

        Assert.That(first, Is.EqualTo(CreateResult.Created));
        Assert.That(again, Is.EqualTo(CreateResult.AlreadyExists));
        Assert.That(got!.Metadata.Labels["slurm.sylabs.io/slurmjob"], Is.EqualTo("cow"));
        Assert.That(deleted, Is.True);
        Assert.That(deletedAgain, Is.False);
        Assert.That(await _kube.GetPodAsync(_ns, "cow-job", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task CreatePod_WhenTheApiServerRejectsIt_ThrowsWithTheServersWords()
    {
        var pod = Pod(_ns, "bad", "app", "x");
        pod.Spec.Containers.Clear();

        var error = await Assert.ThrowsAsync<KubeApiException>(() => _kube.CreatePodAsync(pod, CancellationToken.None));

        Assert.That(error!.StatusCode, Is.EqualTo(422));
        Assert.That(error.Message, Does.Contain("spec.containers: Required value"));
    }

    [Test]
    public async Task ListNodes_ShowsTheSlurmResourcesANodeAdvertises()
    {
        var name = $"kube-api-test-{Guid.NewGuid():N}"[..30];
        await _client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["slurm.sylabs.io/workload-manager"] = "slurm" } },
            Status = new V1NodeStatus { Capacity = new Dictionary<string, ResourceQuantity> { ["slurm.sylabs.io/cpu"] = new("4"), ["slurm.sylabs.io/mem"] = new("8Gi") } },
        });
        try
        {
            var nodes = await _kube.ListNodesAsync(CancellationToken.None);

            var node = nodes.Items.Single(n => n.Metadata.Name == name);
            Assert.That(node.Status.Capacity["slurm.sylabs.io/cpu"].ToString(), Is.EqualTo("4"));
            Assert.That(node.Status.Capacity["slurm.sylabs.io/mem"].ToString(), Is.EqualTo("8Gi"));
        }
        finally
        {
            await _client.CoreV1.DeleteNodeAsync(name);
        }
    }

    [Test]
    public async Task CreateEvent_PostsAnEventKubectlDescribeWouldShow()
    {
        var job = await CreateSlurmJobAsync(_client, _ns, "cow");

        await _kube.CreateEventAsync(new KubeEvent(ObjectReferences.For(job), KubeEventType.Warning, "SubmitRefused", "sbatch: error: Invalid partition name specified", "slurmk8s-companion"), CancellationToken.None);
        await _kube.CreateEventAsync(new KubeEvent(ObjectReferences.For(job), KubeEventType.Normal, "Submitted", "Slurm job 42", "slurmk8s-companion"), CancellationToken.None);

        var events = (await _client.CoreV1.ListNamespacedEventAsync(_ns, fieldSelector: $"involvedObject.uid={job.Metadata.Uid}")).Items;
        Assert.That(events.Select(e => $"{e.Type} {e.Reason}"), Is.EquivalentTo(new[] { "Warning SubmitRefused", "Normal Submitted" }));
        var refused = events.Single(e => e.Reason == "SubmitRefused");
        Assert.That(refused.Message, Is.EqualTo("sbatch: error: Invalid partition name specified"));
        Assert.That(refused.InvolvedObject.Kind, Is.EqualTo("SlurmJob"));
        Assert.That(refused.InvolvedObject.Name, Is.EqualTo("cow"));
        Assert.That(refused.Source.Component, Is.EqualTo("slurmk8s-companion"));
        Assert.That(refused.ReportingComponent, Is.EqualTo("slurmk8s-companion"));
        Assert.That(refused.ReportingInstance, Is.EqualTo("kube-api-tests"));
        Assert.That(refused.Count, Is.EqualTo(1));
        Assert.That(refused.Metadata.Name, Does.StartWith("cow."));
    }

    [Test]
    public async Task CreateEvent_WithAMessageOverOneKilobyte_PostsItCutShort()
    {
        var job = await CreateSlurmJobAsync(_client, _ns, "cow");

        await _kube.CreateEventAsync(new KubeEvent(ObjectReferences.For(job), KubeEventType.Warning, "Failed", new string('x', 5000), "slurmk8s-companion"), CancellationToken.None);

        var posted = (await _client.CoreV1.ListNamespacedEventAsync(_ns, fieldSelector: $"involvedObject.uid={job.Metadata.Uid}")).Items.Single();
        Assert.That(posted.Message, Has.Length.EqualTo(KubeApi.MaxEventMessage).And.EndsWith("..."));
    }

    [Test]
    public async Task CreateEvent_ForANode_LandsInTheDefaultNamespace()
    {
        var name = $"kube-event-test-{Guid.NewGuid():N}"[..30];
        var node = await _client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } });
        try
        {
            await _kube.CreateEventAsync(new KubeEvent(ObjectReferences.For(node), KubeEventType.Warning, "BadSlurmConfig", "cpu: quantity 'x' is not valid", "slurmk8s-resourced"), CancellationToken.None);

            var events = (await _client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={name}")).Items;
            Assert.That(events.Single().Reason, Is.EqualTo("BadSlurmConfig"));
        }
        finally
        {
            await _client.CoreV1.DeleteNodeAsync(name);
        }
    }

    internal static async Task<SlurmJob> CreateSlurmJobAsync(Kubernetes client, string ns, string name) =>
        await client.CustomObjects.CreateNamespacedCustomObjectAsync<SlurmJob>(
            new SlurmJob { Metadata = new V1ObjectMeta { Name = name }, Spec = new SlurmJobSpec { Batch = "#!/bin/sh\necho moo\n" } },
            SlurmJob.Group, SlurmJob.Version, ns, SlurmJob.Plural);

    internal static V1Pod Pod(string ns, string name, string label, string value) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { [label] = value } },
        Spec = new V1PodSpec
        {
            RestartPolicy = "Never",
            Containers = [new V1Container { Name = "companion", Image = "local/slurmk8s:test" }],
        },
    };
}
