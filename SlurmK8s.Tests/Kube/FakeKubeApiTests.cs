using System.Text.Json.Nodes;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.Kube;

/// <summary>The fake passes the contract the real API server passes (<see cref="KubeApiTests"/>), so operator tests on it mean something; and its own arranging helpers work.</summary>
internal sealed class FakeKubeApiTests : KubeApiContract
{
    private FakeKubeApi _kube = null!;

    [SetUp]
    public void SetUp() => _kube = new FakeKubeApi();

    protected override IKubeApi Api => _kube;

    protected override string Ns => "ns";

    protected override Task<SlurmJob> CreateSlurmJobAsync(string name, params string[] finalizers) => Task.FromResult(_kube.AddSlurmJob(NewJob(name, Ns, finalizers)));

    protected override Task DeleteSlurmJobAsync(string name)
    {
        _kube.DeleteSlurmJob(Ns, name);
        return Task.CompletedTask;
    }

    protected override Task<IReadOnlyList<(string Type, string Reason, string Message, string Kind, string Name, string Component)>> EventsAboutAsync(string uid) =>
        Task.FromResult<IReadOnlyList<(string, string, string, string, string, string)>>(_kube.Events.Where(e => e.InvolvedObject.Uid == uid)
            .Select(e => (e.Type.ToString(), e.Reason, e.Message, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.ReportingComponent)).ToList());

    [Test]
    public void Hooks_InjectFaults()
    {
        _kube.AddSlurmJob(NewJob("cow", Ns));
        _kube.OnPatchStatus = key => throw FakeKubeApi.Unavailable($"patch status of SlurmJob {key}");

        Assert.That(() => _kube.PatchSlurmJobStatusAsync("ns", "cow", Patch(new SlurmJobStatus { Phase = SlurmJobPhase.Running }), CancellationToken.None),
            Throws.TypeOf<KubeApiException>().With.Property(nameof(KubeApiException.IsTransient)).True);
        Assert.That(_kube.StoredSlurmJob("ns", "cow")!.Status, Is.Null);

        _kube.OnRead = what => throw FakeKubeApi.Unavailable(what);
        Assert.That(() => _kube.GetSlurmJobAsync("ns", "cow", CancellationToken.None),
            Throws.TypeOf<KubeApiException>().With.Message.Contains("get SlurmJob ns/cow"));
    }

    [Test]
    public void ReturnedObjects_AreCopies()
    {
        var created = _kube.AddSlurmJob(NewJob("cow", Ns));
        created.Spec.Batch = "changed by the caller";

        Assert.That(_kube.StoredSlurmJob("ns", "cow")!.Spec.Batch, Is.EqualTo("#!/bin/sh\necho moo\n"));
    }
}
