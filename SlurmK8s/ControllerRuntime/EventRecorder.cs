using k8s.Models;
using Microsoft.Extensions.Logging;
using SlurmK8s.Kube;

namespace SlurmK8s.ControllerRuntime;

/// <summary>
/// Posts the events a pure core planned, as <paramref name="component"/>. Events are for people: failing to post one
/// is logged, never a reason to redo the work (which would repeat the events that did get through).
/// </summary>
internal sealed class EventRecorder(IEventSink sink, string component, ILogger logger)
{
    /// <summary>Posts <paramref name="planned"/> about <paramref name="involvedObject"/>; false (logged) when the API refused or did not answer.</summary>
    public async Task<bool> RecordAsync(V1ObjectReference involvedObject, PlannedEvent planned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(involvedObject);
        ArgumentNullException.ThrowIfNull(planned);
        try
        {
            await sink.CreateEventAsync(planned.About(involvedObject, component), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubeApiException e)
        {
            logger.EventFailed(planned.Reason, involvedObject.Kind, ObjectKey.Of(involvedObject.NamespaceProperty, involvedObject.Name), e.Message);
            return false;
        }
    }

    /// <summary>Posts each event in order (see <see cref="RecordAsync(V1ObjectReference, PlannedEvent, CancellationToken)"/>).</summary>
    public async Task RecordAsync(V1ObjectReference involvedObject, IEnumerable<PlannedEvent> planned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        foreach (var one in planned)
        {
            await RecordAsync(involvedObject, one, cancellationToken).ConfigureAwait(false);
        }
    }
}
