using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;
using SlurmK8s.Kube;
using System.Text.Json;

namespace SlurmK8s.Tests.Kube;

/// <summary>
/// What the operator and the companion rely on of <see cref="IKubeApi"/>, run once against the real API server
/// (<see cref="KubeApiOnRealApiServerTests"/>) and once against <see cref="Fakes.FakeKubeApi"/>
/// (<see cref="FakeKubeApiContractTests"/>), so the fake the unit tests use cannot drift from what the server does.
/// </summary>
internal abstract class KubeApiContract
{
    protected abstract IKubeApi Api { get; }

    /// <summary>The namespace the test's objects live in.</summary>
    protected abstract string Ns { get; }

    /// <summary>A user creates a SlurmJob (with these finalizers).</summary>
    protected abstract Task<SlurmJob> CreateSlurmJobAsync(string name, params string[] finalizers);

    /// <summary>A user deletes the SlurmJob (kubectl delete).</summary>
    protected abstract Task DeleteSlurmJobAsync(string name);

    /// <summary>The events posted about the object with this uid, as (type, reason, message, kind, name, reporting component).</summary>
    protected abstract Task<IReadOnlyList<(string Type, string Reason, string Message, string Kind, string Name, string Component)>> EventsAboutAsync(string uid);

    [Test]
    public async Task GetSlurmJob_ReturnsTheJobOrNullWhenThereIsNone()
    {
        await CreateSlurmJobAsync("cow");

        var job = await Api.GetSlurmJobAsync(Ns, "cow", CancellationToken.None);
        var missing = await Api.GetSlurmJobAsync(Ns, "absent", CancellationToken.None);

        Assert.That(job!.Spec.Batch, Does.Contain("echo moo"));
        Assert.That((job.Metadata.Uid, job.Metadata.ResourceVersion, job.Metadata.Generation), Is.Not.EqualTo(((string?)null, (string?)null, (long?)null)));
        Assert.That(missing, Is.Null);
    }

    [Test]
    public async Task PatchSlurmJobStatus_EachWriterPatchesOnlyItsFields_TheOtherWritersFieldsStay()
    {
        var created = await CreateSlurmJobAsync("cow");
        var start = new DateTime(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc);

        // The companion reports Slurm's view; the operator then writes its own fields (at the version it read); the companion reports the end.
        var reported = await Api.PatchSlurmJobStatusAsync(Ns, "cow", Patch(new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 42, State = JobState.Running, StartTime = start, NodeList = "node1" } }), CancellationToken.None);
        await Api.PatchSlurmJobStatusAsync(Ns, "cow", new SlurmJobStatus
        {
            Phase = SlurmJobPhase.Running,
            PodName = "cow-job",
            ObservedGeneration = 1,
            Conditions = [new V1Condition { Type = "Submitted", Status = "True", Reason = "SlurmAccepted", Message = "Slurm job 42", LastTransitionTime = start }],
        }, reported.Metadata.ResourceVersion, CancellationToken.None);
        var final = await Api.PatchSlurmJobStatusAsync(Ns, "cow", new JsonObject { ["slurm"] = new JsonObject { ["state"] = "COMPLETED", ["exitCode"] = 0, ["endTime"] = start.AddMinutes(1).ToString("o") } }, CancellationToken.None);

        var stored = await Api.GetSlurmJobAsync(Ns, "cow", CancellationToken.None);
        foreach (var job in new[] { final, stored! })
        {
            var status = job.Status!;
            Assert.That((status.Slurm?.JobId, status.Slurm?.State, status.Slurm?.ExitCode, status.Slurm?.StartTime, status.Slurm?.NodeList),
                Is.EqualTo(((long?)42, (JobState?)JobState.Completed, (int?)0, (DateTime?)start, "node1")), "a merge patch of status.slurm keeps the fields it does not name");
            Assert.That((status.Phase, status.PodName, status.Conditions!.Single().Reason), Is.EqualTo((SlurmJobPhase.Running, "cow-job", "SlurmAccepted")));
        }
        Assert.That(stored!.Spec.Batch, Is.EqualTo(created.Spec.Batch));
        Assert.That(stored.Metadata.Generation, Is.EqualTo(created.Metadata.Generation), "a status write is not a spec change");
        Assert.That(stored.Metadata.ResourceVersion, Is.Not.EqualTo(reported.Metadata.ResourceVersion), "every write takes a new resourceVersion");
    }

    [Test]
    public async Task PatchSlurmJobStatus_AJsonNull_RemovesThatFieldOnly()
    {
        await CreateSlurmJobAsync("cow");
        await Api.PatchSlurmJobStatusAsync(Ns, "cow", Patch(new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 42, Reason = "Priority" }, Phase = SlurmJobPhase.Submitted }), CancellationToken.None);

        var final = await Api.PatchSlurmJobStatusAsync(Ns, "cow", new JsonObject { ["slurm"] = new JsonObject { ["reason"] = null, ["state"] = "RUNNING" } }, CancellationToken.None);

        Assert.That((final.Status!.Slurm?.JobId, final.Status.Slurm?.Reason, final.Status.Slurm?.State, final.Status.Phase),
            Is.EqualTo(((long?)42, (string?)null, (JobState?)JobState.Running, SlurmJobPhase.Submitted)));
    }

    [Test]
    public async Task PatchSlurmJobStatus_WithAStaleResourceVersion_ThrowsConflictAndChangesNothing()
    {
        var created = await CreateSlurmJobAsync("cow");
        // The companion writes meanwhile: what the operator planned from is stale.
        await Api.PatchSlurmJobStatusAsync(Ns, "cow", Patch(new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 7, State = JobState.Running } }), CancellationToken.None);

        var error = await Assert.ThrowsAsync<KubeApiException>(() =>
            Api.PatchSlurmJobStatusAsync(Ns, "cow", new SlurmJobStatus { Phase = SlurmJobPhase.Pending }, created.Metadata.ResourceVersion, CancellationToken.None));

        Assert.That(error!.IsConflict, $"{error.StatusCode} {error.Reason}: {error.Message}");
        Assert.That(error.Message, Does.Contain("the object has been modified"));
        var stored = await Api.GetSlurmJobAsync(Ns, "cow", CancellationToken.None);
        Assert.That((stored!.Status!.Phase, stored.Status.Slurm?.JobId), Is.EqualTo(((string?)null, (long?)7)));
    }

    [Test]
    public async Task PatchSlurmJobStatus_WhenTheJobIsGone_ThrowsNotFoundNamingIt()
    {
        var error = await Assert.ThrowsAsync<KubeApiException>(() =>
            Api.PatchSlurmJobStatusAsync(Ns, "absent", Patch(new SlurmJobStatus { Phase = SlurmJobPhase.Failed }), CancellationToken.None));

        Assert.That(error!.IsNotFound);
        Assert.That(error.Message, Does.Contain($"{Ns}/absent").And.Contain("not found"));
    }

    [Test]
    public async Task SetSlurmJobFinalizers_WithAStaleResourceVersion_ThrowsConflictAndChangesNothing()
    {
        var created = await CreateSlurmJobAsync("cow");
        var withFinalizer = await Api.SetSlurmJobFinalizersAsync(Ns, "cow", ["slurm.sylabs.io/cancel"], created.Metadata.ResourceVersion, CancellationToken.None);

        var error = await Assert.ThrowsAsync<KubeApiException>(() =>
            Api.SetSlurmJobFinalizersAsync(Ns, "cow", [], created.Metadata.ResourceVersion, CancellationToken.None));

        Assert.That(withFinalizer.Metadata.Finalizers, Is.EqualTo(new[] { "slurm.sylabs.io/cancel" }));
        Assert.That(error!.IsConflict, $"{error.StatusCode} {error.Reason}: {error.Message}");
        Assert.That(error.Message, Does.Contain("the object has been modified"));
        var stored = await Api.GetSlurmJobAsync(Ns, "cow", CancellationToken.None);
        Assert.That(stored!.Metadata.Finalizers, Is.EqualTo(new[] { "slurm.sylabs.io/cancel" }));
    }

    [Test]
    public async Task DeletedSlurmJob_WithAFinalizer_StaysMarkedTakesNoNewOneAndGoesOnceItHasNone()
    {
        await CreateSlurmJobAsync("cow", "slurm.sylabs.io/cancel");
        await DeleteSlurmJobAsync("cow");

        var deleting = await Api.GetSlurmJobAsync(Ns, "cow", CancellationToken.None);
        Assert.That(deleting!.Metadata.DeletionTimestamp, Is.Not.Null, "held by its finalizer");
        var cannotAdd = await Assert.ThrowsAsync<KubeApiException>(() =>
            Api.SetSlurmJobFinalizersAsync(Ns, "cow", ["slurm.sylabs.io/cancel", "other"], deleting.Metadata.ResourceVersion, CancellationToken.None));
        Assert.That(cannotAdd!.StatusCode, Is.EqualTo(422), cannotAdd.Message);
        Assert.That(cannotAdd.Message, Does.Contain("no new finalizers can be added if the object is being deleted"));

        await Api.SetSlurmJobFinalizersAsync(Ns, "cow", [], deleting.Metadata.ResourceVersion, CancellationToken.None);

        Assert.That(await Api.GetSlurmJobAsync(Ns, "cow", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Pods_CreateGetDelete_ToleratingWhatAlreadyIsOrIsNot()
    {
        var first = await Api.CreatePodAsync(Pod(Ns, "cow-job", "slurm.sylabs.io/slurmjob", "cow"), CancellationToken.None);
        var again = await Api.CreatePodAsync(Pod(Ns, "cow-job", "slurm.sylabs.io/slurmjob", "cow"), CancellationToken.None);

        var got = await Api.GetPodAsync(Ns, "cow-job", CancellationToken.None);
        var deleted = await Api.DeletePodAsync(Ns, "cow-job", CancellationToken.None);
        var deletedAgain = await Api.DeletePodAsync(Ns, "cow-job", CancellationToken.None);

        Assert.That((first, again), Is.EqualTo((CreateResult.Created, CreateResult.AlreadyExists)));
        Assert.That(got!.Metadata.Labels["slurm.sylabs.io/slurmjob"], Is.EqualTo("cow"));
        Assert.That(got.Metadata.Uid, Is.Not.Null);
        Assert.That((deleted, deletedAgain), Is.EqualTo((true, false)));
        Assert.That(await Api.GetPodAsync(Ns, "cow-job", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task DeletePod_WithTheVersionItWasReadAt_DeletesOnlyThatVersion()
    {
        await Api.CreatePodAsync(Pod(Ns, "cow-job", "slurm.sylabs.io/slurmjob", "cow"), CancellationToken.None);
        var read = await Api.GetPodAsync(Ns, "cow-job", CancellationToken.None);

        var staleDelete = await Api.DeletePodAsync(Ns, "cow-job", CancellationToken.None, resourceVersion: "1" + read!.Metadata.ResourceVersion);
        var stillThere = await Api.GetPodAsync(Ns, "cow-job", CancellationToken.None);
        var delete = await Api.DeletePodAsync(Ns, "cow-job", CancellationToken.None, resourceVersion: read.Metadata.ResourceVersion);

        Assert.That((staleDelete, stillThere is not null, delete), Is.EqualTo((false, true, true)), "a pod changed since it was read (say, placed on a node) is left alone");
    }

    [Test]
    public async Task WatchSlurmJob_ReportsItNowAndAfterEachOfItsChanges_ThenNullOnceGone()
    {
        await CreateSlurmJobAsync("cow", "slurm.sylabs.io/test-hold");
        await CreateSlurmJobAsync("other");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var watch = Api.WatchSlurmJobAsync(Ns, "cow", timeout.Token).GetAsyncEnumerator(timeout.Token);

        Assert.That(await watch.MoveNextAsync() && watch.Current!.Metadata.Name == "cow");
        await Api.PatchSlurmJobStatusAsync(Ns, "other", Patch(new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 1, State = JobState.Running } }), CancellationToken.None);
        await Api.PatchSlurmJobStatusAsync(Ns, "cow", Patch(new SlurmJobStatus { Slurm = new SlurmJobFacts { JobId = 1, State = JobState.Running } }), CancellationToken.None);
        Assert.That(await watch.MoveNextAsync() && watch.Current!.Status!.Slurm?.State == JobState.Running, "its own change, not the other's");
        await DeleteSlurmJobAsync("cow");
        Assert.That(await watch.MoveNextAsync() && watch.Current!.Metadata.DeletionTimestamp is not null, "held by its finalizer");
        await Api.SetSlurmJobFinalizersAsync(Ns, "cow", [], watch.Current!.Metadata.ResourceVersion, CancellationToken.None);
        Assert.That(await watch.MoveNextAsync() && watch.Current is null, "gone");
        Assert.That(await watch.MoveNextAsync(), Is.False, "the end");
    }

    [Test]
    public async Task WatchSlurmJob_WhenThereIsNone_ReportsNullAndEnds()
    {
        var seen = new List<SlurmJob?>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var job in Api.WatchSlurmJobAsync(Ns, "absent", timeout.Token))
        {
            seen.Add(job);
        }

        Assert.That(seen, Is.EqualTo(new SlurmJob?[] { null }));
    }

    [Test]
    public async Task CreateEvent_PostsAnEventAboutTheObject()
    {
        var job = await CreateSlurmJobAsync("cow");

        await Api.CreateEventAsync(new KubeEvent(ObjectReferences.For(job), KubeEventType.Warning, "SubmitRefused", "sbatch: error: Invalid partition name specified", "slurmk8s-companion"), CancellationToken.None);
        await Api.CreateEventAsync(new KubeEvent(ObjectReferences.For(job), KubeEventType.Normal, "Submitted", "Slurm job 42", "slurmk8s-companion"), CancellationToken.None);

        var events = await EventsAboutAsync(job.Metadata.Uid);
        Assert.That(events, Is.EquivalentTo(new[]
        {
            ("Warning", "SubmitRefused", "sbatch: error: Invalid partition name specified", "SlurmJob", "cow", "slurmk8s-companion"),
            ("Normal", "Submitted", "Slurm job 42", "SlurmJob", "cow", "slurmk8s-companion"),
        }));
    }

    /// <summary>The merge patch KubeApi sends for these fields (nulls left out), without a precondition: as the companion writes.</summary>
    internal static JsonObject Patch(SlurmJobStatus fields) => JsonSerializer.SerializeToNode(fields, ApiJsonContext.Default.SlurmJobStatus)!.AsObject();

    internal static SlurmJob NewJob(string name, string ns, params string[] finalizers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Finalizers = finalizers.Length == 0 ? null : [.. finalizers] },
        Spec = new SlurmJobSpec { Batch = "#!/bin/sh\necho moo\n" },
    };

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
