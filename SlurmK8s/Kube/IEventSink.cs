namespace SlurmK8s.Kube;

/// <summary>Where core/v1 Events go: the one call <see cref="ControllerRuntime.EventRecorder"/> needs of an API.</summary>
internal interface IEventSink
{
    /// <summary>Posts a core/v1 Event about the event's involved object (in its namespace; "default" for cluster-scoped ones).</summary>
    Task CreateEventAsync(KubeEvent kubeEvent, CancellationToken cancellationToken);
}
