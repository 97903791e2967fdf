using k8s.Models;
using static SlurmK8s.Tests.Operator.PodSecurity.PodSecurityLevel;
using static SlurmK8s.Tests.Operator.PodSecurity.PodSecurityStandards;

namespace SlurmK8s.Tests.Operator.PodSecurity;

/// <summary>The checker itself: a pod that meets restricted, then one change per case and exactly the rules it breaks.</summary>
internal sealed class PodSecurityStandardsTests
{
    /// <summary>The smallest pod that meets restricted: what every case starts from.</summary>
    private static V1Pod CleanPod() => new()
    {
        Metadata = new V1ObjectMeta { Name = "clean" },
        Spec = new V1PodSpec
        {
            SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Image = "app",
                    SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
                },
            ],
            Volumes = [new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() }],
        },
    };

    private static V1SecurityContext App(V1Pod pod) => pod.Spec.Containers[0].SecurityContext;

    private static IEnumerable<TestCaseData> OneChangeCases()
    {
        TestCaseData Case(string name, Action<V1Pod> change, params (PodSecurityLevel, string)[] broken) =>
            new TestCaseData(change, broken).SetName($"Violations_{name}_BreaksExactlyItsRules");

        // Baseline, each rule (and the restricted rule that overlaps it, where PodSecurity admission has one).
        yield return Case("PodHostProcess", p => p.Spec.SecurityContext.WindowsOptions = new V1WindowsSecurityContextOptions { HostProcess = true }, (Baseline, HostProcess));
        yield return Case("ContainerHostProcess", p => App(p).WindowsOptions = new V1WindowsSecurityContextOptions { HostProcess = true }, (Baseline, HostProcess));
        yield return Case("HostNetwork", p => p.Spec.HostNetwork = true, (Baseline, HostNamespaces));
        yield return Case("HostPID", p => p.Spec.HostPID = true, (Baseline, HostNamespaces));
        yield return Case("HostIPC", p => p.Spec.HostIPC = true, (Baseline, HostNamespaces));
        yield return Case("PrivilegedContainer", p => App(p).Privileged = true, (Baseline, PrivilegedContainers));
        yield return Case("AddSysAdmin", p => App(p).Capabilities.Add = ["SYS_ADMIN"], (Baseline, CapabilitiesBaseline), (Restricted, CapabilitiesRestricted));
        yield return Case("AddNetRaw", p => App(p).Capabilities.Add = ["NET_RAW"], (Baseline, CapabilitiesBaseline), (Restricted, CapabilitiesRestricted));
        yield return Case("AddChownFromTheDefaultSet", p => App(p).Capabilities.Add = ["CHOWN"], (Restricted, CapabilitiesRestricted));
        yield return Case("HostPathVolume", p => p.Spec.Volumes.Add(new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = "/" } }),
            (Baseline, HostPathVolumes), (Restricted, RestrictedVolumes));
        yield return Case("HostPort", p => p.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = 8080 }], (Baseline, HostPorts));
        yield return Case("AppArmorUnconfined", p => App(p).AppArmorProfile = new V1AppArmorProfile { Type = "Unconfined" }, (Baseline, AppArmor));
        yield return Case("AppArmorAnnotationUnconfined", p => p.Metadata.Annotations = new Dictionary<string, string> { ["container.apparmor.security.beta.kubernetes.io/app"] = "unconfined" },
            (Baseline, AppArmor));
        yield return Case("SELinuxType", p => p.Spec.SecurityContext.SeLinuxOptions = new V1SELinuxOptions { Type = "spc_t" }, (Baseline, SELinux));
        yield return Case("SELinuxUser", p => App(p).SeLinuxOptions = new V1SELinuxOptions { User = "system_u" }, (Baseline, SELinux));
        yield return Case("ProcMountUnmasked", p => App(p).ProcMount = "Unmasked", (Baseline, ProcMount));
        yield return Case("SeccompUnconfined", p => App(p).SeccompProfile = new V1SeccompProfile { Type = "Unconfined" }, (Baseline, SeccompBaseline), (Restricted, SeccompRestricted));
        yield return Case("UnsafeSysctl", p => p.Spec.SecurityContext.Sysctls = [new V1Sysctl { Name = "kernel.msgmax", Value = "1" }], (Baseline, Sysctls));

        // Restricted only.
        yield return Case("NfsVolume", p => p.Spec.Volumes.Add(new V1Volume { Name = "nfs", Nfs = new V1NFSVolumeSource { Server = "s", Path = "/" } }), (Restricted, RestrictedVolumes));
        yield return Case("AllowPrivilegeEscalationUnset", p => App(p).AllowPrivilegeEscalation = null, (Restricted, AllowPrivilegeEscalation));
        yield return Case("RunAsNonRootUnset", p => p.Spec.SecurityContext.RunAsNonRoot = null, (Restricted, RunAsNonRoot));
        yield return Case("RunAsNonRootFalseInAContainer", p => App(p).RunAsNonRoot = false, (Restricted, RunAsNonRoot));
        yield return Case("RunAsUserZero", p => p.Spec.SecurityContext.RunAsUser = 0, (Restricted, RunAsUser));
        yield return Case("SeccompUnset", p => p.Spec.SecurityContext.SeccompProfile = null, (Restricted, SeccompRestricted));
        yield return Case("NoDropAll", p => App(p).Capabilities.Drop = ["NET_RAW"], (Restricted, CapabilitiesRestricted));

        // Every kind of container is looked at.
        yield return Case("PrivilegedInitContainer", p => p.Spec.InitContainers = [Copy(p.Spec.Containers[0], "init", privileged: true)], (Baseline, PrivilegedContainers));
        yield return Case("PrivilegedEphemeralContainer", p => p.Spec.EphemeralContainers = [new V1EphemeralContainer
        {
            Name = "debug", Image = "debug",
            SecurityContext = new V1SecurityContext { Privileged = true, AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
        }], (Baseline, PrivilegedContainers));
    }

    private static V1Container Copy(V1Container c, string name, bool privileged) => new()
    {
        Name = name, Image = c.Image,
        SecurityContext = new V1SecurityContext { Privileged = privileged, AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
    };

    [Test]
    public void Violations_OfACleanPod_AreNone()
    {
        Assert.That(Violations(CleanPod()), Is.Empty);
        Assert.That(LevelMet(CleanPod()), Is.EqualTo(Restricted));
    }

    [TestCaseSource(nameof(OneChangeCases))]
    public void Violations_AfterOneChange_AreExactlyTheRulesItBreaks(Action<V1Pod> change, (PodSecurityLevel Level, string Rule)[] broken)
    {
        var pod = CleanPod();
        change(pod);

        var violations = Violations(pod);

        Assert.That(violations.Select(v => (v.Level, v.Rule)), Is.EquivalentTo(broken), string.Join("\n", violations));
        Assert.That(LevelMet(pod), Is.EqualTo(broken.Any(b => b.Level == Baseline) ? Privileged : Baseline));
    }

    [TestCase("RuntimeDefault")]
    [TestCase("Localhost")]
    public void Violations_WithAConfinedSeccompOrAppArmorProfileInTheContainer_AreNone(string type)
    {
        var pod = CleanPod();
        pod.Spec.SecurityContext.SeccompProfile = null;
        App(pod).SeccompProfile = new V1SeccompProfile { Type = type, LocalhostProfile = type == "Localhost" ? "p.json" : null };
        App(pod).AppArmorProfile = new V1AppArmorProfile { Type = type, LocalhostProfile = type == "Localhost" ? "p" : null };

        Assert.That(Violations(pod), Is.Empty);
    }

    [Test]
    public void Violations_AllowedValuesOfBaseline_AreNone()
    {
        var pod = CleanPod();
        App(pod).Capabilities.Add = ["NET_BIND_SERVICE"];
        App(pod).ProcMount = "Default";
        App(pod).SeLinuxOptions = new V1SELinuxOptions { Type = "container_t", Level = "s0:c1,c2" };
        pod.Spec.SecurityContext.Sysctls = [new V1Sysctl { Name = "net.ipv4.ip_unprivileged_port_start", Value = "0" }];
        pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = 0 }];
        pod.Metadata.Annotations = new Dictionary<string, string> { ["container.apparmor.security.beta.kubernetes.io/app"] = "runtime/default" };
        pod.Spec.Volumes.Add(new V1Volume { Name = "claim", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "c" } });

        Assert.That(Violations(pod), Is.Empty);
    }

    [Test]
    public void Violations_NameWhereTheyAre()
    {
        var pod = CleanPod();
        pod.Spec.Volumes.Add(new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = "/" } });
        pod.Spec.HostPID = true;

        Assert.That(Violations(pod).Select(v => v.ToString()), Is.EqualTo(new[]
        {
            "Baseline hostNamespaces: hostPID must not be true",
            "Baseline hostPathVolumes: volume \"host\" must not be hostPath",
            "Restricted restrictedVolumes: volume \"host\" (hostPath) must be one of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret",
        }));
    }
}
