using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Kube;

/// <summary>
/// References for an Event's involvedObject. Kind and apiVersion are given here because objects read from a
/// LIST carry neither.
/// </summary>
internal static class ObjectReferences
{
    public static V1ObjectReference For(SlurmJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return For(job.Metadata, SlurmJob.ApiVersionName, SlurmJob.KindName);
    }

    public static V1ObjectReference For(V1ObjectMeta metadata, string apiVersion, string kind)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new V1ObjectReference
        {
            ApiVersion = apiVersion,
            Kind = kind,
            Name = metadata.Name,
            NamespaceProperty = metadata.NamespaceProperty,
            Uid = metadata.Uid,
            ResourceVersion = metadata.ResourceVersion,
        };
    }
}
