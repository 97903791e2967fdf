using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Operator;
using SlurmK8s.Tests.Builders;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

namespace SlurmK8s.Tests.Operator;

internal sealed class CompanionPodTests
{
    // The samples' hostPaths are allowed as manifests/operator.yaml allows them.
    private static readonly CompanionPodOptions Options = new()
    {
        Image = "slurmk8s:test", RunAsUser = 1001, RunAsGroup = 1002, SocketGroupId = 990, ResultsVolumes = OperatorManifest.ResultsVolumes,
    };

    private static SlurmJob SeedCow() => Samples.Read("cow.yaml");

    [Test]
    public void Build_TheSeedsCow_GivesTheSeedsPod()
    {
        var job = SeedCow();
        job.Metadata.NamespaceProperty = "default";
        job.Metadata.Uid = "1234";

        var (pod, refusal) = CompanionPod.Build(job, new Dictionary<string, string> { ["slurm.sylabs.io/cpu"] = "1" }, Options);

        Assert.That(refusal, Is.Null);
        Assert.That(pod!.Metadata.Name, Is.EqualTo("cow-job"));
        Assert.That(pod.Spec.NodeSelector, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["slurm.sylabs.io/containers"] = "singularity",
            ["slurm.sylabs.io/workload-manager"] = "slurm",
        }));
        Assert.That(pod.Spec.RestartPolicy, Is.EqualTo("Never"));
        var owner = pod.Metadata.OwnerReferences.Single();
        Assert.That((owner.Kind, owner.Name, owner.Uid, owner.Controller), Is.EqualTo(("SlurmJob", "cow", "1234", (bool?)true)));
        Assert.That((pod.Spec.SecurityContext.RunAsUser, pod.Spec.SecurityContext.RunAsGroup), Is.EqualTo(((long?)1001, (long?)1002)));
        Assert.That(pod.Spec.SecurityContext.SupplementalGroups, Is.EqualTo(new long[] { 990 }));

        var container = pod.Spec.Containers.Single();
        Assert.That(container.Image, Is.EqualTo("slurmk8s:test"));
        Assert.That(container.Resources.Limits["slurm.sylabs.io/cpu"].ToString(), Is.EqualTo("1"));
        Assert.That(container.Args, Is.EqualTo(new[] { "companion", "--socket", "/var/run/syslurm/red-box.sock", "--namespace", "default", "--slurmjob", "cow", "--results-dir", "/results" }));

        var results = pod.Spec.Volumes.Single(v => v.Name == "data");
        Assert.That(results.HostPath.Path, Is.EqualTo("/home/job-results"));
        Assert.That(container.VolumeMounts.Single(m => m.Name == "data").MountPath, Is.EqualTo("/results"));
        var socket = pod.Spec.Volumes.Single(v => v.Name == "slurmk8s-red-box-socket");
        Assert.That((socket.HostPath.Path, socket.HostPath.Type), Is.EqualTo(("/var/run/syslurm", "Directory")));
        Assert.That(container.VolumeMounts.Single(m => m.Name == socket.Name).MountPath, Is.EqualTo("/var/run/syslurm"));
    }

    [Test]
    public void Build_AnyJob_RequestsCpuAndMemory_SoThePodIsNotTheFirstEvictedAndAQuotaCanCountIt()
    {
        var (pod, _) = CompanionPod.Build(SeedCow(), new Dictionary<string, string> { ["slurm.sylabs.io/cpu"] = "2" }, Options);

        var resources = pod!.Spec.Containers.Single().Resources;
        Assert.That(resources.Requests.ToDictionary(r => r.Key, r => r.Value.ToString()), Is.EquivalentTo(new Dictionary<string, string> { ["cpu"] = "10m", ["memory"] = "32Mi" }));
        Assert.That(resources.Limits.ToDictionary(r => r.Key, r => r.Value.ToString()), Is.EquivalentTo(new Dictionary<string, string> { ["memory"] = "128Mi", ["slurm.sylabs.io/cpu"] = "2" }));
        Assert.That(TakenRoom.AmountsOf(pod), Is.EquivalentTo(new Dictionary<string, decimal> { ["slurm.sylabs.io/cpu"] = 2 }), "cpu and memory are the kubelet's, not Slurm's budget");
    }

    [Test]
    public void Build_WithResourcesLeftOut_AsksOnlyForSlurmsBudget()
    {
        var (none, _) = CompanionResources.Create("", "", "");
        var (pod, _) = CompanionPod.Build(SeedCow(), new Dictionary<string, string> { ["slurm.sylabs.io/cpu"] = "1" }, Options with { Resources = none! });

        var resources = pod!.Spec.Containers.Single().Resources;
        Assert.That(resources.Requests, Is.Null);
        Assert.That(resources.Limits.Keys, Is.EqualTo(new[] { "slurm.sylabs.io/cpu" }));
        Assert.That(none!.Describe(), Is.EqualTo("no cpu or memory"));
    }

    [Test]
    public void Build_AnySocketPath_MountsTheSocketsDirectorySoARestartedRedBoxsSocketAppears()
    {
        // A hostPath of the socket file itself pins the inode the pod started with: a restarted red-box's socket never reached it.
        var (pod, _) = CompanionPod.Build(SeedCow(), new Dictionary<string, string>(), Options with { RedBoxSocket = "/run/site/red-box/rb.sock" });

        var container = pod!.Spec.Containers.Single();
        var socket = pod.Spec.Volumes.Single(v => v.Name == "slurmk8s-red-box-socket");
        Assert.That((socket.HostPath.Path, socket.HostPath.Type), Is.EqualTo(("/run/site/red-box", "Directory")));
        Assert.That(container.VolumeMounts.Single(m => m.Name == socket.Name).MountPath, Is.EqualTo("/run/site/red-box"));
        Assert.That(container.Args.SkipWhile(a => a != "--socket").Skip(1).First(), Is.EqualTo("/run/site/red-box/rb.sock"), "the companion is still given the socket itself");
    }

    [Test]
    public void Build_TheSocketsDirectory_IsMountedReadOnly() =>
        Assert.That(CompanionPod.Build(SeedCow(), new Dictionary<string, string>(), Options).Pod!.Spec.Containers.Single()
            .VolumeMounts.Single(m => m.Name == "slurmk8s-red-box-socket").ReadOnlyProperty, Is.True);

    [TestCase("/red-box.sock", "its directory / would be mounted")]
    [TestCase("/run/red-box.sock", "its directory /run would be mounted")]
    [TestCase("/var/run/red-box.sock", "its directory /var/run would be mounted")]
    [TestCase("/tmp/red-box.sock", "its directory /tmp would be mounted")]
    [TestCase("red-box.sock", "an absolute path")]
    [TestCase("/var/run/syslurm/../red-box.sock", "without . or ..")]
    public void SocketDirectoryRefusal_ADirectoryTheHostShares_IsRefusedSayingWhereToPutIt(string socket, string expected) =>
        Assert.That(CompanionPod.SocketDirectoryRefusal(socket), Does.Contain(expected).And.Contain("/var/run/syslurm/red-box.sock"));

    [TestCase("/var/run/syslurm/red-box.sock")]
    [TestCase("/run/site/red-box/rb.sock")]
    public void SocketDirectoryRefusal_ADirectoryOfRedBoxsOwn_IsAccepted(string socket) =>
        Assert.That(CompanionPod.SocketDirectoryRefusal(socket), Is.Null);

    [Test]
    public void Build_AnyJob_GivesTheCompanionItsNodeNameFromTheDownwardApi()
    {
        var (pod, _) = CompanionPod.Build(SeedCow(), new Dictionary<string, string>(), Options);

        var env = pod!.Spec.Containers.Single().Env.Single(e => e.Name == "NODE_NAME");
        Assert.That(env.ValueFrom.FieldRef.FieldPath, Is.EqualTo("spec.nodeName"));
    }

    [Test]
    public void Build_AnyJob_TakesTheTerminationMessageFromTheCompanionsFileOnly()
    {
        var (pod, _) = CompanionPod.Build(SeedCow(), new Dictionary<string, string>(), Options);

        var container = pod!.Spec.Containers.Single();
        // Not FallbackToLogsOnError: a log's tail (a JSON record) once became a SlurmJob's condition message.
        Assert.That(container.TerminationMessagePolicy, Is.EqualTo("File"));
        Assert.That(container.TerminationMessagePath ?? SlurmK8s.Companion.TerminationMessage.DefaultPath, Is.EqualTo(SlurmK8s.Companion.TerminationMessage.DefaultPath),
            "the companion writes its summary to Kubernetes' default path");
    }

    [TestCaseSource(typeof(RepositoryFiles), nameof(RepositoryFiles.SampleNames))]
    public void Build_EverySample_PassesTheResultsVolumePolicyOfTheManifest(string sample)
    {
        var (pod, refusal) = CompanionPod.Build(Samples.Read(sample), new Dictionary<string, string>(), Options);

        Assert.That(refusal, Is.Null);
        Assert.That(pod, Is.Not.Null);
    }

    [Test]
    public void Build_TheSeedsCowWithTheDefaultPolicy_IsRefusedForItsHostPath()
    {
        // Every sample collects into a hostPath, which the default policy allows nowhere: manifests/operator.yaml lists their directories.
        var (pod, refusal) = CompanionPod.Build(SeedCow(), new Dictionary<string, string>(), Options with { ResultsVolumes = ResultsVolumePolicy.Default });

        Assert.That(pod, Is.Null);
        Assert.That(refusal!.Reason, Is.EqualTo(PodRefusal.ResultsVolumeNotAllowed));
        Assert.That(refusal.Message, Does.StartWith("spec.results.mount \"data\" uses hostPath /home/job-results, which this cluster's results-volume policy"));
    }

    [Test]
    public void Build_WithoutResultsOrRequests_MountsOnlyTheSocket()
    {
        var (pod, _) = CompanionPod.Build(Job(), new Dictionary<string, string>(), Options);

        Assert.That(pod!.Spec.Volumes, Has.Count.EqualTo(1));
        Assert.That(pod.Spec.Containers[0].Args, Does.Not.Contain("--results-dir"));
        Assert.That(pod.Spec.Containers[0].Resources.Limits.Keys, Is.EqualTo(new[] { "memory" }), "no slurm.sylabs.io/* amount");
    }

    [Test]
    public void Build_WithoutSocketGroup_AddsNoSupplementalGroup()
    {
        var (pod, _) = CompanionPod.Build(Job(), new Dictionary<string, string>(), Options with { SocketGroupId = null });

        Assert.That(pod!.Spec.SecurityContext.SupplementalGroups, Is.Null);
    }

    [TestCase("slurmk8s-red-box-socket", true, "reserved for red-box's socket")]
    [TestCase("data", false, "has no volume source")]
    public void Build_WithABadResultsVolume_SaysWhatIsWrong(string name, bool withSource, string words)
    {
        var volume = new V1Volume { Name = name, HostPath = withSource ? new V1HostPathVolumeSource { Path = "/tmp" } : null };

        var (pod, refusal) = CompanionPod.Build(Job().WithResults(volume), new Dictionary<string, string>(), Options);

        Assert.That(pod, Is.Null);
        Assert.That(refusal!.Reason, Is.EqualTo(PodRefusal.InvalidResultsVolume));
        Assert.That(refusal.Message, Does.Contain(words).And.Contain("spec.results.mount"));
    }

    [Test]
    public void Build_WithTwoVolumeSources_IsRefused()
    {
        var volume = new V1Volume { Name = "data", HostPath = new V1HostPathVolumeSource { Path = "/tmp" }, EmptyDir = new V1EmptyDirVolumeSource() };

        var (_, refusal) = CompanionPod.Build(Job().WithResults(volume), new Dictionary<string, string>(), Options);

        Assert.That(refusal!.Message, Does.Contain("has 2 volume sources"));
    }
}
