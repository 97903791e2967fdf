using k8s.Models;
using SlurmK8s.Kube;

namespace SlurmK8s.ControllerRuntime;

/// <summary>
/// An event a pure core decided on (the operator's reconciler, the companion's status, resourced's daemon): the shell
/// posts it <see cref="About"/> the object it concerns. <paramref name="Reason"/> is one CamelCase word;
/// <paramref name="Message"/> says what happened in human words.
/// </summary>
internal sealed record PlannedEvent(KubeEventType Type, string Reason, string Message)
{
    public static PlannedEvent Normal(string reason, string message) => new(KubeEventType.Normal, reason, message);

    public static PlannedEvent Warning(string reason, string message) => new(KubeEventType.Warning, reason, message);

    /// <summary>The event to post about <paramref name="involvedObject"/>, reported by <paramref name="reportingComponent"/>.</summary>
    public KubeEvent About(V1ObjectReference involvedObject, string reportingComponent) => new(involvedObject, Type, Reason, Message, reportingComponent);
}
