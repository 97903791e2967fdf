using k8s.Models;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.ControllerRuntime;

internal sealed class EventRecorderTests
{
    private static readonly V1ObjectReference Cow = new() { ApiVersion = "slurm.sylabs.io/v1alpha1", Kind = "SlurmJob", Name = "cow", NamespaceProperty = "ns", Uid = "uid-cow" };

    [Test]
    public async Task Record_PostsThePlannedEventAboutTheObjectAsTheComponent()
    {
        var sink = new Sink();
        var logger = new RecordingLogger<EventRecorder>();

        var posted = await new EventRecorder(sink, "slurmk8s-operator", logger).RecordAsync(Cow, PlannedEvent.Warning("PodRefused", "no"), CancellationToken.None);

        Assert.That(posted);
        Assert.That(sink.Posted.Single(), Is.EqualTo(new KubeEvent(Cow, KubeEventType.Warning, "PodRefused", "no", "slurmk8s-operator")));
    }

    [Test]
    public async Task Record_WhenTheApiRefuses_LogsItAndGoesOnWithTheNextEvent()
    {
        var sink = new Sink { Refuse = e => e.Reason == "First" };
        var logger = new RecordingLogger<EventRecorder>();

        await new EventRecorder(sink, "slurmk8s-operator", logger).RecordAsync(Cow, [PlannedEvent.Normal("First", "a"), PlannedEvent.Normal("Second", "b")], CancellationToken.None);

        Assert.That(sink.Posted.Select(e => e.Reason), Is.EqualTo(new[] { "Second" }));
        Assert.That(logger.At(Microsoft.Extensions.Logging.LogLevel.Warning).Single(), Does.Contain("Could not post event First on SlurmJob ns/cow").And.Contain("events is forbidden"));
    }

    private sealed class Sink : IEventSink
    {
        public List<KubeEvent> Posted { get; } = [];

        public Func<KubeEvent, bool>? Refuse { get; init; }

        public Task CreateEventAsync(KubeEvent kubeEvent, CancellationToken cancellationToken)
        {
            if (Refuse?.Invoke(kubeEvent) == true)
            {
                throw new KubeApiException(403, "Forbidden", "create event: events is forbidden (HTTP 403)");
            }
            Posted.Add(kubeEvent);
            return Task.CompletedTask;
        }
    }
}
