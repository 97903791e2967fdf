using k8s.Models;

namespace SlurmK8s.Kube;

/// <summary>
/// A core/v1 Event to post about <paramref name="InvolvedObject"/> (see <see cref="ObjectReferences"/>).
/// <paramref name="Reason"/> is one CamelCase word; <paramref name="Message"/> says what happened in human words.
/// </summary>
internal sealed record KubeEvent(V1ObjectReference InvolvedObject, KubeEventType Type, string Reason, string Message, string ReportingComponent);
