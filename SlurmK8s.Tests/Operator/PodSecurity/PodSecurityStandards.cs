using k8s.Models;
using SlurmK8s.Operator;

namespace SlurmK8s.Tests.Operator.PodSecurity;

/// <summary>
/// The Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards, as of Kubernetes v1.32),
/// baseline and restricted, rule by rule, as pure code: the test API server predates PodSecurity admission, and a test
/// should say which rule a pod breaks, not only that admission would refuse it. Rules are named as PodSecurity
/// admission's checks are. Not covered: the Windows-only fields beyond hostProcess, the pre-1.19 seccomp annotations,
/// the user-namespace relaxations of 1.33+ (which only loosen rules) and 1.34's probe/lifecycle host rule.
/// </summary>
internal static class PodSecurityStandards
{
    // Baseline.
    public const string HostProcess = "windowsHostProcess";
    public const string HostNamespaces = "hostNamespaces";
    public const string PrivilegedContainers = "privileged";
    public const string CapabilitiesBaseline = "capabilities_baseline";
    public const string HostPathVolumes = "hostPathVolumes";
    public const string HostPorts = "hostPorts";
    public const string AppArmor = "appArmorProfile";
    public const string SELinux = "seLinuxOptions";
    public const string ProcMount = "procMount";
    public const string SeccompBaseline = "seccompProfile_baseline";
    public const string Sysctls = "sysctls";

    // Restricted.
    public const string RestrictedVolumes = "restrictedVolumes";
    public const string AllowPrivilegeEscalation = "allowPrivilegeEscalation";
    public const string RunAsNonRoot = "runAsNonRoot";
    public const string RunAsUser = "runAsUser";
    public const string SeccompRestricted = "seccompProfile_restricted";
    public const string CapabilitiesRestricted = "capabilities_restricted";

    private const string AppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

    /// <summary>Docker's default set, which baseline lets a container add back.</summary>
    private static readonly HashSet<string> BaselineCapabilities =
        ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];

    private static readonly HashSet<string> SELinuxTypes = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

    /// <summary>Namespaced sysctls, isolated from other pods on the node.</summary>
    private static readonly HashSet<string> SafeSysctls =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    ];

    private static readonly HashSet<string> RestrictedVolumeTypes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    private static readonly HashSet<string> ConfinedProfiles = ["RuntimeDefault", "Localhost"];

    /// <summary>Every rule of baseline and restricted the pod breaks; empty: it meets restricted.</summary>
    public static IReadOnlyList<PodSecurityViolation> Violations(V1Pod pod)
    {
        var spec = pod.Spec;
        var podContext = spec.SecurityContext;
        var containers = Containers(spec).ToList();
        var violations = new List<PodSecurityViolation>();
        void Add(PodSecurityLevel level, string rule, IEnumerable<string> where, string what)
        {
            var list = where.ToList();
            if (list.Count > 0)
            {
                violations.Add(new PodSecurityViolation(level, rule, $"{string.Join(" and ", list)} {what}"));
            }
        }
        IEnumerable<string> Setters(Func<V1PodSecurityContext?, bool> pod, Func<V1SecurityContext?, bool> container) =>
            (pod(podContext) ? ["pod"] : Array.Empty<string>()).Concat(containers.Where(c => container(c.Context)).Select(c => $"container \"{c.Name}\""));
        var baseline = PodSecurityLevel.Baseline;
        var restricted = PodSecurityLevel.Restricted;

        Add(baseline, HostProcess, Setters(p => p?.WindowsOptions?.HostProcess == true, c => c?.WindowsOptions?.HostProcess == true),
            "must not set securityContext.windowsOptions.hostProcess=true");
        Add(baseline, HostNamespaces, new[] { ("hostNetwork", spec.HostNetwork), ("hostPID", spec.HostPID), ("hostIPC", spec.HostIPC) }
            .Where(h => h.Item2 == true).Select(h => h.Item1), "must not be true");
        Add(baseline, PrivilegedContainers, Setters(_ => false, c => c?.Privileged == true), "must not set securityContext.privileged=true");
        Add(baseline, CapabilitiesBaseline, containers.Where(c => Added(c.Context).Any(a => !BaselineCapabilities.Contains(a)))
            .Select(c => $"container \"{c.Name}\" adds {string.Join(", ", Added(c.Context).Where(a => !BaselineCapabilities.Contains(a)))}"), "beyond the default set");
        Add(baseline, HostPathVolumes, (spec.Volumes ?? []).Where(v => v.HostPath is not null).Select(v => $"volume \"{v.Name}\""), "must not be hostPath");
        Add(baseline, HostPorts, containers.Where(c => c.Ports.Any(p => p.HostPort is not null and not 0))
            .Select(c => $"container \"{c.Name}\""), "must not use hostPort");
        Add(baseline, AppArmor, Setters(p => p?.AppArmorProfile is { } a && !ConfinedProfiles.Contains(a.Type), c => c?.AppArmorProfile is { } a && !ConfinedProfiles.Contains(a.Type))
            .Concat((pod.Metadata?.Annotations ?? new Dictionary<string, string>())
                .Where(a => a.Key.StartsWith(AppArmorAnnotationPrefix, StringComparison.Ordinal)
                            && a.Value is not ("" or "runtime/default") && !a.Value.StartsWith("localhost/", StringComparison.Ordinal))
                .Select(a => $"annotation {a.Key}={a.Value}")),
            "must not set an AppArmor profile other than RuntimeDefault or Localhost");
        Add(baseline, SELinux, Setters(p => BadSELinux(p?.SeLinuxOptions), c => BadSELinux(c?.SeLinuxOptions)),
            $"must not set seLinuxOptions.user or .role, nor a type other than {string.Join(", ", SELinuxTypes.Where(t => t.Length > 0))}");
        Add(baseline, ProcMount, Setters(_ => false, c => c?.ProcMount is { } m && m != "Default"), "must not set securityContext.procMount other than Default");
        Add(baseline, SeccompBaseline, Setters(p => p?.SeccompProfile is { } s && !ConfinedProfiles.Contains(s.Type), c => c?.SeccompProfile is { } s && !ConfinedProfiles.Contains(s.Type)),
            "must not set securityContext.seccompProfile.type other than RuntimeDefault or Localhost");
        Add(baseline, Sysctls, (podContext?.Sysctls ?? []).Where(s => !SafeSysctls.Contains(s.Name)).Select(s => $"sysctl {s.Name}"), "is not in the safe set");

        Add(restricted, RestrictedVolumes, (spec.Volumes ?? []).Where(v => VolumeSources.Of(v) is not { Count: > 0 } sources || !sources.All(RestrictedVolumeTypes.Contains))
            .Select(v => $"volume \"{v.Name}\" ({(VolumeSources.Of(v) is { Count: > 0 } sources ? string.Join(", ", sources) : "unknown")})"),
            $"must be one of {string.Join(", ", RestrictedVolumeTypes)}");
        Add(restricted, AllowPrivilegeEscalation, Setters(_ => false, c => c?.AllowPrivilegeEscalation != false), "must set securityContext.allowPrivilegeEscalation=false");
        var podNonRoot = podContext?.RunAsNonRoot == true;
        Add(restricted, RunAsNonRoot, Setters(p => p?.RunAsNonRoot == false, c => c?.RunAsNonRoot == false || (c?.RunAsNonRoot is null && !podNonRoot)),
            "must set (pod) or inherit (container) securityContext.runAsNonRoot=true");
        Add(restricted, RunAsUser, Setters(p => p?.RunAsUser == 0, c => c?.RunAsUser == 0), "must not set runAsUser=0");
        var podSeccomp = podContext?.SeccompProfile is { } ps && ConfinedProfiles.Contains(ps.Type);
        Add(restricted, SeccompRestricted, Setters(p => p?.SeccompProfile is { } s && !ConfinedProfiles.Contains(s.Type),
                c => c?.SeccompProfile is { } s ? !ConfinedProfiles.Contains(s.Type) : !podSeccomp),
            "must set (pod) or inherit (container) securityContext.seccompProfile.type RuntimeDefault or Localhost");
        Add(restricted, CapabilitiesRestricted, Setters(_ => false, c => c?.Capabilities?.Drop?.Contains("ALL") != true || Added(c).Any(a => a != "NET_BIND_SERVICE")),
            "must drop ALL capabilities and add none but NET_BIND_SERVICE");
        return violations;
    }

    /// <summary>The most restrictive level the pod meets.</summary>
    public static PodSecurityLevel LevelMet(V1Pod pod)
    {
        var violations = Violations(pod);
        return violations.Count == 0 ? PodSecurityLevel.Restricted
            : violations.All(v => v.Level == PodSecurityLevel.Restricted) ? PodSecurityLevel.Baseline
            : PodSecurityLevel.Privileged;
    }

    /// <summary>Init, regular and ephemeral containers alike: each rule holds for every one.</summary>
    private static IEnumerable<(string Name, V1SecurityContext? Context, IEnumerable<V1ContainerPort> Ports)> Containers(V1PodSpec spec) =>
        (spec.InitContainers ?? []).Concat(spec.Containers ?? []).Select(c => (c.Name, (V1SecurityContext?)c.SecurityContext, (IEnumerable<V1ContainerPort>)(c.Ports ?? [])))
            .Concat((spec.EphemeralContainers ?? []).Select(c => (c.Name, (V1SecurityContext?)c.SecurityContext, (IEnumerable<V1ContainerPort>)(c.Ports ?? []))));

    private static IEnumerable<string> Added(V1SecurityContext? context) => context?.Capabilities?.Add ?? [];

    private static bool BadSELinux(V1SELinuxOptions? options) =>
        options is not null && (!SELinuxTypes.Contains(options.Type ?? "") || !string.IsNullOrEmpty(options.User) || !string.IsNullOrEmpty(options.Role));
}
