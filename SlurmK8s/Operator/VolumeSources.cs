using k8s.Models;

namespace SlurmK8s.Operator;

/// <summary>The sources a Kubernetes volume can name, spelt as in the API (a pod's spec.volumes[*] keys). Pure.</summary>
internal static class VolumeSources
{
    public const string HostPath = "hostPath";

    private static readonly (string Name, Func<V1Volume, object?> Get)[] All =
    [
        ("awsElasticBlockStore", v => v.AwsElasticBlockStore), ("azureDisk", v => v.AzureDisk), ("azureFile", v => v.AzureFile),
        ("cephfs", v => v.Cephfs), ("cinder", v => v.Cinder), ("configMap", v => v.ConfigMap), ("csi", v => v.Csi),
        ("downwardAPI", v => v.DownwardAPI), ("emptyDir", v => v.EmptyDir), ("ephemeral", v => v.Ephemeral), ("fc", v => v.Fc),
        ("flexVolume", v => v.FlexVolume), ("flocker", v => v.Flocker), ("gcePersistentDisk", v => v.GcePersistentDisk),
        ("gitRepo", v => v.GitRepo), ("glusterfs", v => v.Glusterfs), (HostPath, v => v.HostPath), ("image", v => v.Image),
        ("iscsi", v => v.Iscsi), ("nfs", v => v.Nfs), ("persistentVolumeClaim", v => v.PersistentVolumeClaim),
        ("photonPersistentDisk", v => v.PhotonPersistentDisk), ("portworxVolume", v => v.PortworxVolume), ("projected", v => v.Projected),
        ("quobyte", v => v.Quobyte), ("rbd", v => v.Rbd), ("scaleIO", v => v.ScaleIO), ("secret", v => v.Secret),
        ("storageos", v => v.Storageos), ("vsphereVolume", v => v.VsphereVolume),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(s => s.Name).ToArray();

    /// <summary>The sources this volume names (a valid volume names exactly one).</summary>
    public static IReadOnlyList<string> Of(V1Volume volume) => All.Where(s => s.Get(volume) is not null).Select(s => s.Name).ToArray();

    /// <summary>The API's spelling of a source name given in any case (e.g. "pvc" is not one; "persistentvolumeclaim" is), or null.</summary>
    public static string? Canonical(string name) => Names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
}
