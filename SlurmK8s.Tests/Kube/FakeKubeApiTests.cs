using System.Text.Json.Nodes;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.Kube;

/// <summary>The fake behaves as KubeApiTests shows the real API server does, so operator tests on it mean something.</summary>
internal sealed class FakeKubeApiTests
{
    private FakeKubeApi _kube = null!;

    [SetUp]
    public void SetUp() => _kube = new FakeKubeApi();

    [Test]
    public async Task PatchSlurmJobStatus_MergesOnlyTheFieldsSet()
    {
        _kube.AddSlurmJob(Job("cow"));

        await _kube.PatchSlurmJobStatusAsync("ns", "cow", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 42, State = JobState.Running, ArrayTasks = new ArrayTaskCounts { Total = 2, Running = 2 } } }, CancellationToken.None);
        await _kube.PatchSlurmJobStatusAsync("ns", "cow", new SlurmJobStatus { Phase = SlurmJobPhase.Running, PodName = "cow-job" }, CancellationToken.None);
        var final = await _kube.PatchSlurmJobStatusAsync("ns", "cow", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 42, State = JobState.Completed, ArrayTasks = new ArrayTaskCounts { Total = 2, Succeeded = 2 } } }, CancellationToken.None);

        Assert.That(final.Status!.Slurm!.JobId, Is.EqualTo(42));
        Assert.That(final.Status.Slurm.State, Is.EqualTo(JobState.Completed));
        Assert.That(final.Status.Phase, Is.EqualTo(SlurmJobPhase.Running));
        Assert.That(final.Status.PodName, Is.EqualTo("cow-job"));
        Assert.That(final.Status.Slurm.ArrayTasks!.Succeeded, Is.EqualTo(2));
        Assert.That(final.Status.Slurm.ArrayTasks.Running, Is.Zero);
        Assert.That(_kube.StatusPatches, Is.EqualTo(3));
    }

    [Test]
    public async Task SetSlurmJobFinalizers_WithAStaleResourceVersion_ThrowsConflict()
    {
        var created = _kube.AddSlurmJob(Job("cow"));
        var updated = await _kube.SetSlurmJobFinalizersAsync("ns", "cow", ["f"], created.Metadata.ResourceVersion, CancellationToken.None);

        var error = await Assert.ThrowsAsync<KubeApiException>(() => _kube.SetSlurmJobFinalizersAsync("ns", "cow", [], created.Metadata.ResourceVersion, CancellationToken.None));

        Assert.That(error!.IsConflict);
        Assert.That(updated.Metadata.ResourceVersion, Is.Not.EqualTo(created.Metadata.ResourceVersion));
        Assert.That(_kube.StoredSlurmJob("ns", "cow")!.Metadata.Finalizers, Is.EqualTo(new[] { "f" }));
    }

    [Test]
    public async Task DeleteSlurmJob_WithAFinalizer_WaitsUntilItIsRemoved()
    {
        var created = _kube.AddSlurmJob(Job("cow"));
        await _kube.SetSlurmJobFinalizersAsync("ns", "cow", ["f"], created.Metadata.ResourceVersion, CancellationToken.None);

        _kube.DeleteSlurmJob("ns", "cow");
        var deleting = await _kube.GetSlurmJobAsync("ns", "cow", CancellationToken.None);
        var cannotAdd = await Assert.ThrowsAsync<KubeApiException>(() => _kube.SetSlurmJobFinalizersAsync("ns", "cow", ["f", "g"], deleting!.Metadata.ResourceVersion, CancellationToken.None));
        await _kube.SetSlurmJobFinalizersAsync("ns", "cow", [], deleting!.Metadata.ResourceVersion, CancellationToken.None);

        Assert.That(deleting.Metadata.DeletionTimestamp, Is.Not.Null);
        Assert.That(cannotAdd!.StatusCode, Is.EqualTo(422));
        Assert.That(await _kube.GetSlurmJobAsync("ns", "cow", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Pods_CreateTwiceAndDeleteTwice_AreReportedNotThrown()
    {
        var pod = KubeApiTests.Pod("ns", "cow-job", "slurm.sylabs.io/slurmjob", "cow");

        Assert.That(await _kube.CreatePodAsync(pod, CancellationToken.None), Is.EqualTo(CreateResult.Created));
        Assert.That(await _kube.CreatePodAsync(pod, CancellationToken.None), Is.EqualTo(CreateResult.AlreadyExists));
        Assert.That(await _kube.DeletePodAsync("ns", "cow-job", CancellationToken.None), Is.True);
        Assert.That(await _kube.DeletePodAsync("ns", "cow-job", CancellationToken.None), Is.False);
    }

    [Test]
    public void Hooks_InjectFaults()
    {
        _kube.AddSlurmJob(Job("cow"));
        _kube.OnPatchStatus = key => throw FakeKubeApi.Unavailable($"patch status of SlurmJob {key}");

        Assert.That(() => _kube.PatchSlurmJobStatusAsync("ns", "cow", new SlurmJobStatus { Phase = SlurmJobPhase.Running }, CancellationToken.None),
            Throws.TypeOf<KubeApiException>().With.Property(nameof(KubeApiException.IsTransient)).True);
        Assert.That(_kube.StoredSlurmJob("ns", "cow")!.Status, Is.Null);

        _kube.OnRead = what => throw FakeKubeApi.Unavailable(what);
        Assert.That(() => _kube.GetSlurmJobAsync("ns", "cow", CancellationToken.None),
            Throws.TypeOf<KubeApiException>().With.Message.Contains("get SlurmJob ns/cow"));
    }

    [Test]
    public async Task PatchSlurmJobStatus_AJsonNull_RemovesThatFieldOnly()
    {
        _kube.AddSlurmJob(Job("cow"));
        await _kube.PatchSlurmJobStatusAsync("ns", "cow", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 42, Reason = "Priority" } }, CancellationToken.None);

        var final = await _kube.PatchSlurmJobStatusAsync("ns", "cow", new JsonObject { ["slurm"] = new JsonObject { ["reason"] = null, ["state"] = "RUNNING" } }, CancellationToken.None);

        Assert.That((final.Status!.Slurm!.JobId, final.Status.Slurm.Reason, final.Status.Slurm.State), Is.EqualTo((42L, (string?)null, (JobState?)JobState.Running)));
        Assert.That(_kube.PatchedStatuses[^1].ToJsonString(), Is.EqualTo("""{"slurm":{"reason":null,"state":"RUNNING"}}"""));
    }

    [Test]
    public async Task WatchSlurmJob_ReportsItNowAndAfterEachOfItsChanges_ThenNullOnceGone()
    {
        var cow = Job("cow");
        cow.Metadata.Finalizers = ["hold"];
        _kube.AddSlurmJob(cow);
        _kube.AddSlurmJob(Job("other"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = _kube.WatchSlurmJobAsync("ns", "cow", timeout.Token).GetAsyncEnumerator(timeout.Token);

        Assert.That(await watch.MoveNextAsync() && watch.Current!.Metadata.Name == "cow");
        await _kube.PatchSlurmJobStatusAsync("ns", "other", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 1, State = JobState.Running } }, CancellationToken.None);
        await _kube.PatchSlurmJobStatusAsync("ns", "cow", new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 1, State = JobState.Running } }, CancellationToken.None);
        Assert.That(await watch.MoveNextAsync() && watch.Current!.Status!.Slurm?.State == JobState.Running, "its own change, not the other's");
        _kube.DeleteSlurmJob("ns", "cow");
        Assert.That(await watch.MoveNextAsync() && watch.Current!.Metadata.DeletionTimestamp is not null, "held by its finalizer");
        await _kube.SetSlurmJobFinalizersAsync("ns", "cow", [], watch.Current!.Metadata.ResourceVersion, CancellationToken.None);
        Assert.That(await watch.MoveNextAsync() && watch.Current is null, "gone");
        Assert.That(await watch.MoveNextAsync(), Is.False, "the end");
    }

    [Test]
    public void ReturnedObjects_AreCopies()
    {
        var created = _kube.AddSlurmJob(Job("cow"));
        created.Spec.Batch = "changed by the caller";

        Assert.That(_kube.StoredSlurmJob("ns", "cow")!.Spec.Batch, Is.EqualTo("#!/bin/sh\necho moo\n"));
    }

    private static SlurmJob Job(string name) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns" }, Spec = new SlurmJobSpec { Batch = "#!/bin/sh\necho moo\n" } };
}
