using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Operator;
using SlurmK8s.Tests.Builders;
using static SlurmK8s.Tests.Operator.PodSecurity.PodSecurityLevel;
using static SlurmK8s.Tests.Operator.PodSecurity.PodSecurityStandards;

namespace SlurmK8s.Tests.Operator.PodSecurity;

/// <summary>
/// The companion pod as the operator makes it, against the Pod Security Standards: red-box's socket is a hostPath, so
/// it meets privileged only; that socket (and a results volume the administrator allowed as hostPath) is all that keeps
/// it from restricted.
/// </summary>
internal sealed class CompanionPodSecurityTests
{
    private const string SocketVolume = "slurmk8s-red-box-socket";

    private static readonly CompanionPodOptions Options = new() { Image = "slurmk8s:test", SocketGroupId = 990, ResultsVolumes = OperatorManifest.ResultsVolumes };

    private static V1Pod Companion(SlurmJob job)
    {
        job.Metadata.NamespaceProperty = "default";
        job.Metadata.Uid = "1234";
        var (pod, refusal) = CompanionPod.Build(job, new Dictionary<string, string> { ["slurm.sylabs.io/cpu"] = "1" }, Options);
        return pod ?? throw new AssertionException(refusal!.Message);
    }

    [Test]
    public void Companion_OfTheSeedsCow_MeetsPrivilegedOnly_ForItsHostPathVolumes()
    {
        var pod = Companion(Samples.Read("cow.yaml"));

        Assert.That(LevelMet(pod), Is.EqualTo(Privileged));
        Assert.That(Violations(pod).Select(v => v.ToString()), Is.EqualTo(new[]
        {
            $"Baseline hostPathVolumes: volume \"{SocketVolume}\" and volume \"data\" must not be hostPath",
            $"Restricted restrictedVolumes: volume \"{SocketVolume}\" (hostPath) and volume \"data\" (hostPath) must be one of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret",
        }));
    }

    [Test]
    public void Companion_WithAClaimForResults_BreaksOnlyTheRulesOfTheSocket()
    {
        var job = SlurmJobBuilder.Job().WithResults(new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "results" } });

        var violations = Violations(Companion(job));

        Assert.That(violations.Select(v => (v.Level, v.Rule)), Is.EqualTo(new[] { (Baseline, HostPathVolumes), (Restricted, RestrictedVolumes) }));
        Assert.That(violations.Select(v => v.Detail), Has.All.Contain($"volume \"{SocketVolume}\"").And.All.Not.Contain("\"data\""));
    }

    [Test]
    public void Companion_WithoutTheSocketVolume_WouldMeetRestricted()
    {
        // Everything but the socket already meets restricted: non-root, no privilege escalation, ALL dropped, RuntimeDefault seccomp.
        var pod = Companion(SlurmJobBuilder.Job().WithResults(new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }));
        pod.Spec.Volumes = pod.Spec.Volumes.Where(v => v.Name != SocketVolume).ToList();

        Assert.That(Violations(pod), Is.Empty);
        Assert.That(LevelMet(pod), Is.EqualTo(Restricted));
    }
}
