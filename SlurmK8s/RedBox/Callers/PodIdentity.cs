using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.RedBox.Callers;

/// <summary>
/// The pod a caller runs in, as the API server knows it. The owning SlurmJob is the pod's controller owner reference:
/// whoever may create pods in the namespace can write one, so it names a SlurmJob of that namespace, nothing wider.
/// </summary>
/// <param name="ServiceAccount">spec.serviceAccountName; "default" when empty (what the ServiceAccount admission plugin sets).</param>
internal sealed partial record PodIdentity(string Namespace, string Name, string Uid, string ServiceAccount, string? SlurmJobName = null, string? SlurmJobUid = null)
{
    public const string DefaultServiceAccount = "default";

    /// <summary>The identity of a pod object; null when it lacks a namespace, name or UID (not a pod the API server stored).</summary>
    public static PodIdentity? Of(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var metadata = pod.Metadata;
        if (metadata is null || string.IsNullOrEmpty(metadata.NamespaceProperty) || string.IsNullOrEmpty(metadata.Name) || string.IsNullOrEmpty(metadata.Uid))
        {
            return null;
        }
        var serviceAccount = pod.Spec?.ServiceAccountName is { Length: > 0 } name ? name : DefaultServiceAccount;
        var owner = metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        // The API server does not check an owner reference's name or UID: one that could not be a SlurmJob's (a '/' would
        // lead the job's directory elsewhere) makes the pod an ordinary pod of its namespace, which it could be anyway.
        var slurmJob = owner is { ApiVersion: SlurmJob.ApiVersionName, Kind: SlurmJob.KindName } && ObjectName().IsMatch(owner.Name ?? "")
                       && ObjectUid().IsMatch(owner.Uid ?? "") ? owner : null;
        return new PodIdentity(metadata.NamespaceProperty, metadata.Name, metadata.Uid, serviceAccount, slurmJob?.Name, slurmJob?.Uid);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    private static partial System.Text.RegularExpressions.Regex ObjectName();

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex ObjectUid();
}
