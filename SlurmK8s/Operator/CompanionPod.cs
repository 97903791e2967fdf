using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>Builds the companion pod `&lt;name&gt;-job` (the seed's name) for a SlurmJob. Pure.</summary>
internal static class CompanionPod
{
    public const string JobLabel = "slurm.sylabs.io/slurmjob";
    public const string ContainerName = "companion";
    public const string ResultsPath = "/results";
    /// <summary>The volume holding red-box's socket directory (a name a results volume may not take).</summary>
    public const string SocketVolume = "slurmk8s-red-box-socket";

    public static string NameFor(string jobName) => jobName + "-job";

    /// <summary>Where the companion may land: the SlurmJob's nodeSelector, on nodes resourced has labelled as Slurm's.</summary>
    public static Dictionary<string, string> NodeSelectorFor(SlurmJob job) =>
        new(job.Spec.NodeSelector ?? new Dictionary<string, string>())
        {
            [SlurmNodeKeys.WorkloadManagerLabel] = SlurmNodeKeys.WorkloadManagerValue,
        };

    /// <summary>The pod, or why what the spec asks for cannot or may not become a pod.</summary>
    /// <param name="extendedResources">`slurm.sylabs.io/*` requests from the script's #SBATCH lines, held while the pod lives.</param>
    /// <param name="reattaches">A job Slurm already runs, believed: its companion gets <see cref="CompanionPodOptions.ReattachPriorityClass"/>.</param>
    public static (V1Pod? Pod, PodRefusal? Refusal) Build(SlurmJob job, IReadOnlyDictionary<string, string> extendedResources, CompanionPodOptions options, bool reattaches = false)
    {
        var resultsVolume = job.Spec.Results?.Mount;
        if (resultsVolume is not null && VolumeError(resultsVolume) is { } volumeError)
        {
            return (null, new PodRefusal(PodRefusal.InvalidResultsVolume, volumeError));
        }
        if (resultsVolume is not null && options.ResultsVolumes.Refusal(resultsVolume, job.Metadata.NamespaceProperty) is { } refusal)
        {
            return (null, new PodRefusal(PodRefusal.ResultsVolumeNotAllowed, refusal));
        }

        var name = job.Metadata.Name;
        var nodeSelector = NodeSelectorFor(job);
        var args = new List<string> { "companion", "--socket", options.RedBoxSocket, "--namespace", job.Metadata.NamespaceProperty, "--slurmjob", name };
        // The socket's directory, not the socket file: a hostPath file mount pins the inode the pod started with, so a
        // restarted red-box's new socket would never reach a running companion.
        var socketDirectory = SocketDirectory(options.RedBoxSocket);
        // Read-only: connecting to a socket needs no write to its directory (the kernel checks only the socket's own mode).
        var mounts = new List<V1VolumeMount> { new() { Name = SocketVolume, MountPath = socketDirectory, ReadOnlyProperty = true } };
        var volumes = new List<V1Volume> { new() { Name = SocketVolume, HostPath = new V1HostPathVolumeSource { Path = socketDirectory, Type = "Directory" } } };
        if (resultsVolume is not null)
        {
            args.AddRange(["--results-dir", ResultsPath]);
            mounts.Add(new V1VolumeMount { Name = resultsVolume.Name, MountPath = ResultsPath });
            volumes.Add(resultsVolume);
        }
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = NameFor(name),
                NamespaceProperty = job.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>
                {
                    [JobLabel] = name,
                    ["app.kubernetes.io/name"] = "slurmk8s",
                    ["app.kubernetes.io/component"] = "companion",
                    ["app.kubernetes.io/managed-by"] = "slurmk8s-operator",
                },
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = SlurmJob.ApiVersionName, Kind = SlurmJob.KindName, Name = name, Uid = job.Metadata.Uid,
                        Controller = true, BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                // A job Slurm already runs holds its slot: its companion goes before those of jobs still to submit.
                PriorityClassName = reattaches && options.ReattachPriorityClass.Length > 0 ? options.ReattachPriorityClass : null,
                NodeSelector = nodeSelector,
                ServiceAccountName = options.ServiceAccount,
                SecurityContext = new V1PodSecurityContext
                {
                    RunAsUser = options.RunAsUser,
                    RunAsGroup = options.RunAsGroup,
                    RunAsNonRoot = true,
                    // Restricted's seccomp rule: the runtime's default syscall filter (the operator's own pod runs under it too).
                    SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                    SupplementalGroups = options.SocketGroupId is { } gid ? [gid] : null,
                },
                Containers =
                [
                    new V1Container
                    {
                        Name = ContainerName,
                        Image = options.Image,
                        ImagePullPolicy = options.ImagePullPolicy,
                        Args = args,
                        Env =
                        [
                            new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
                            // Named in an outage report: which node's red-box did not answer.
                            new V1EnvVar { Name = "NODE_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.nodeName" } } },
                        ],
                        VolumeMounts = mounts,
                        Resources = options.Resources.For(extendedResources),
                        SecurityContext = new V1SecurityContext
                        {
                            AllowPrivilegeEscalation = false,
                            ReadOnlyRootFilesystem = true,
                            Capabilities = new V1Capabilities { Drop = ["ALL"] },
                        },
                        // The companion writes a one-line summary to /dev/termination-log on every exit; never a tail of its log.
                        TerminationMessagePolicy = "File",
                    },
                ],
                Volumes = volumes,
            },
        };
        return (pod, null);
    }

    /// <summary>The directory holding red-box's socket, mounted at the same path in the pod.</summary>
    /// <summary>
    /// Why the socket's directory may not be mounted into every companion pod, or null: it must be absolute and red-box's
    /// own, not a directory the host shares with other programs (mounting /, /run or /tmp would hand a tenant's pod the
    /// host's files and every other daemon's sockets).
    /// </summary>
    public static string? SocketDirectoryRefusal(string socketPath)
    {
        var directory = SocketDirectory(socketPath).TrimEnd('/');
        string[] shared = ["", "/run", "/var/run", "/tmp", "/var/tmp", "/var", "/var/lib", "/etc", "/root", "/home", "/usr", "/opt", "/srv", "/dev", "/proc", "/sys", "/run/user"];
        if (!Path.IsPathRooted(socketPath) || socketPath.Contains("/../", StringComparison.Ordinal) || socketPath.Contains("/./", StringComparison.Ordinal))
        {
            return $"--socket {socketPath}: give red-box's socket as an absolute path without . or .. (e.g. {RedBoxContract.RedBoxSocket.DefaultPath})";
        }
        return shared.Contains(directory, StringComparer.Ordinal)
            ? $"--socket {socketPath}: its directory {(directory.Length == 0 ? "/" : directory)} would be mounted into every companion pod, and the host shares it with other programs: "
              + $"put red-box's socket in a directory of its own (e.g. {RedBoxContract.RedBoxSocket.DefaultPath}, red-box's --socket on the nodes too)"
            : null;
    }

    public static string SocketDirectory(string socketPath) => Path.GetDirectoryName(socketPath) is { Length: > 0 } directory ? directory : "/";

    /// <summary>The results volume must name exactly one source the API knows, and not clash with ours.</summary>
    private static string? VolumeError(V1Volume volume)
    {
        if (volume.Name == SocketVolume)
        {
            return $"spec.results.mount.name \"{SocketVolume}\" is reserved for red-box's socket: choose another name";
        }
        var sources = VolumeSources.Of(volume).Count;
        return sources switch
        {
            1 => null,
            0 => $"spec.results.mount \"{volume.Name}\" has no volume source Kubernetes knows (hostPath, persistentVolumeClaim, nfs, emptyDir, …): add one",
            _ => $"spec.results.mount \"{volume.Name}\" has {sources} volume sources: a volume takes exactly one",
        };
    }
}
