using k8s.Models;
using SlurmK8s.Operator;

namespace SlurmK8s.Tests.Operator;

/// <summary>Which volumes spec.results.mount may be, tried as a tenant who wants to write into the node would try.</summary>
internal sealed class ResultsVolumePolicyTests
{
    private const string Namespace = "team-a";

    private static ResultsVolumePolicy Policy(string[]? types = null, params string[] prefixes)
    {
        var (policy, error) = ResultsVolumePolicy.Create(types ?? ResultsVolumePolicy.DefaultTypes, prefixes);
        return policy ?? throw new AssertionException(error!);
    }

    private static V1Volume HostPath(string path, string? type = null) => new() { Name = "data", HostPath = new V1HostPathVolumeSource { Path = path, Type = type } };

    private static IEnumerable<TestCaseData> DefaultTypeCases()
    {
        TestCaseData Case(string name, V1Volume volume, bool allowed) => new TestCaseData(volume, allowed).SetName($"Refusal_Default_{name}_{(allowed ? "Allowed" : "Refused")}");

        yield return Case("PersistentVolumeClaim", new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "results" } }, true);
        yield return Case("Nfs", new V1Volume { Name = "data", Nfs = new V1NFSVolumeSource { Server = "nfs", Path = "/export" } }, true);
        yield return Case("EmptyDir", new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }, true);
        yield return Case("Csi", new V1Volume { Name = "data", Csi = new V1CSIVolumeSource { Driver = "example.com" } }, true);
        yield return Case("Ephemeral", new V1Volume { Name = "data", Ephemeral = new V1EphemeralVolumeSource() }, true);
        // Sources that would hand the companion (and whoever can exec into it) something of the namespace's or the node's.
        yield return Case("ConfigMap", new V1Volume { Name = "data", ConfigMap = new V1ConfigMapVolumeSource { Name = "cm" } }, false);
        yield return Case("Secret", new V1Volume { Name = "data", Secret = new V1SecretVolumeSource { SecretName = "s" } }, false);
        yield return Case("Projected", new V1Volume { Name = "data", Projected = new V1ProjectedVolumeSource() }, false);
        yield return Case("DownwardAPI", new V1Volume { Name = "data", DownwardAPI = new V1DownwardAPIVolumeSource() }, false);
        yield return Case("Iscsi", new V1Volume { Name = "data", Iscsi = new V1ISCSIVolumeSource { TargetPortal = "t", Iqn = "i", Lun = 0 } }, false);
        yield return Case("GitRepo", new V1Volume { Name = "data", GitRepo = new V1GitRepoVolumeSource { Repository = "r" } }, false);
        yield return Case("HostPathWithoutPrefixes", HostPath("/var/lib/slurmk8s/results"), false);
    }

    [TestCaseSource(nameof(DefaultTypeCases))]
    public void Refusal_WithTheDefaultPolicy_AllowsOnlyTheDefaultTypes(V1Volume volume, bool allowed)
    {
        var refusal = ResultsVolumePolicy.Default.Refusal(volume, Namespace);

        Assert.That(refusal, allowed ? Is.Null : Is.Not.Null);
    }

    [Test]
    public void Refusal_OfATypeNotAllowed_NamesTheTypeThePolicyAndTheFlag()
    {
        var refusal = ResultsVolumePolicy.Default.Refusal(new V1Volume { Name = "data", ConfigMap = new V1ConfigMapVolumeSource { Name = "cm" } }, Namespace);

        Assert.That(refusal, Is.EqualTo(
            "spec.results.mount \"data\" uses volume type configMap, which this cluster's results-volume policy (types persistentVolumeClaim, nfs, emptyDir, csi, ephemeral; no hostPath) "
            + "does not allow: use an allowed type, or ask the administrator to add configMap to the operator's --results-volume-types"));
    }

    [Test]
    public void Refusal_OfHostPathWithNoPrefix_NamesThePathAndThePrefixFlag()
    {
        var refusal = ResultsVolumePolicy.Default.Refusal(HostPath("/etc"), Namespace);

        Assert.That(refusal, Is.EqualTo(
            "spec.results.mount \"data\" uses hostPath /etc, which this cluster's results-volume policy (types persistentVolumeClaim, nfs, emptyDir, csi, ephemeral; no hostPath) "
            + "does not allow: use an allowed type, or ask the administrator to allow a host directory with the operator's --results-host-path-prefix"));
    }

    [Test]
    public void Refusal_WhenTheAdministratorAllowsATypeInAnyCase_AllowsIt()
    {
        var policy = Policy(["ConfigMap", " persistentvolumeclaim "]);

        Assert.That(policy.Types, Is.EqualTo(new[] { "configMap", "persistentVolumeClaim" }));
        Assert.That(policy.Refusal(new V1Volume { Name = "data", ConfigMap = new V1ConfigMapVolumeSource { Name = "cm" } }, Namespace), Is.Null);
        Assert.That(policy.Refusal(new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }, Namespace), Does.Contain("uses volume type emptyDir"));
    }

    private static IEnumerable<TestCaseData> HostPathCases()
    {
        TestCaseData Case(string name, string path, string? refusedWith) => new TestCaseData(path, refusedWith).SetName($"Refusal_HostPathUnderData_{name}");

        yield return Case("ThePrefixItself", "/data", null);
        yield return Case("ADirectoryUnderIt", "/data/team-a", null);
        yield return Case("Deeper", "/data/team-a/run1", null);
        yield return Case("WithATrailingSlash", "/data/team-a/", null);
        yield return Case("WithDoubledSlashes", "//data//team-a", null);
        yield return Case("WithDotSegments", "/data/./team-a/.", null);
        // The attacks: prefix tricks, climbing out, relative paths, case, the root.
        yield return Case("APrefixOfTheNameOnly", "/data-evil", "outside the host directories");
        yield return Case("AShorterName", "/dat", "outside the host directories");
        yield return Case("TheParent", "/", "outside the host directories");
        yield return Case("Elsewhere", "/etc", "outside the host directories");
        yield return Case("AnotherCase", "/DATA/x", "outside the host directories");
        yield return Case("ClimbingOut", "/data/../etc", "has a \"..\" segment");
        yield return Case("ClimbingOutAtTheEnd", "/data/team-a/../..", "has a \"..\" segment");
        yield return Case("ClimbingOutWithDots", "/data/./../etc/./", "has a \"..\" segment");
        yield return Case("Relative", "data/team-a", "is not absolute");
        yield return Case("RelativeClimbing", "../data", "is not absolute");
        yield return Case("Empty", "", "is empty");
    }

    [TestCaseSource(nameof(HostPathCases))]
    public void Refusal_OfHostPath_ComparesCanonicalPathsSegmentBySegment(string path, string? refusedWith)
    {
        var refusal = Policy(null, "/data").Refusal(HostPath(path), Namespace);

        Assert.That(refusal, refusedWith is null ? Is.Null : Does.Contain(refusedWith).And.Contain("hostPath under /data"));
    }

    [Test]
    public void Refusal_OfHostPathWithANulByte_IsRefused()
    {
        // Built here, not in a case source: a NUL in a test argument upsets test reporters.
        var path = "/data/x" + (char)0 + "/../../etc";

        Assert.That(Policy(null, "/data").Refusal(HostPath(path), Namespace), Does.Contain("contains a NUL character"));
    }

    [TestCase("Socket")]
    [TestCase("File")]
    [TestCase("CharDevice")]
    [TestCase("DirectoryOrCreate")]
    [TestCase(null)]
    public void Refusal_OfHostPath_DoesNotDependOnItsType(string? type)
    {
        var policy = Policy(null, "/data");

        Assert.That(policy.Refusal(HostPath("/data/x", type), Namespace), Is.Null);
        Assert.That(policy.Refusal(HostPath("/var/run/syslurm/red-box.sock", type), Namespace), Is.Not.Null);
    }

    [Test]
    public void Refusal_OfHostPathOutsideThePrefixes_NamesThePathThePolicyAndTheFlag()
    {
        var refusal = Policy(null, "/data/", "/srv//results").Refusal(HostPath("/home/job-results"), Namespace);

        Assert.That(refusal, Is.EqualTo(
            "spec.results.mount \"data\" uses hostPath /home/job-results, outside the host directories this cluster's results-volume policy "
            + "(types persistentVolumeClaim, nfs, emptyDir, csi, ephemeral; hostPath under /data, /srv/results) allows: "
            + "use a path under one of them or an allowed type, or ask the administrator to add the operator's --results-host-path-prefix"));
    }

    [Test]
    public void Refusal_WithTheRootAsPrefix_AllowsAnyAbsolutePathButStillRefusesDotDot()
    {
        var policy = Policy(null, "/");

        Assert.That(policy.Refusal(HostPath("/etc"), Namespace), Is.Null);
        Assert.That(policy.Refusal(HostPath("/etc/../root"), Namespace), Does.Contain("\"..\""));
    }

    [TestCase("/srv/results/team-a", true)]
    [TestCase("/srv/results/team-a/run1", true)]
    [TestCase("/srv/results/team-b", false)]
    [TestCase("/srv/results/team-a-evil", false)]
    [TestCase("/srv/results", false)]
    [TestCase("/srv/results/{namespace}", false)]
    public void Refusal_WithANamespacePrefix_GivesEachNamespaceItsOwnDirectory(string path, bool allowed)
    {
        var refusal = Policy(null, "/srv/results/{namespace}").Refusal(HostPath(path), Namespace);

        Assert.That(refusal, allowed ? Is.Null : Does.Contain("hostPath under /srv/results/{namespace}"));
    }

    private static IEnumerable<TestCaseData> CreateErrorCases()
    {
        TestCaseData Case(string name, string[] types, string[] prefixes, string words) => new TestCaseData(types, prefixes, words).SetName($"Create_{name}_SaysWhatIsWrong");

        yield return Case("HostPathAsAType", ["emptyDir", "hostPath"], [], "--results-volume-types: hostPath cannot be allowed everywhere: name the host directories it may use with --results-host-path-prefix");
        yield return Case("UnknownType", ["pvc"], [], "--results-volume-types: \"pvc\" is not a Kubernetes volume type; known types: awsElasticBlockStore");
        yield return Case("RelativePrefix", [], ["data"], "--results-host-path-prefix \"data\" is not absolute: give an absolute directory");
        yield return Case("EmptyPrefix", [], [""], "--results-host-path-prefix \"\" is empty");
        yield return Case("DotDotPrefix", [], ["/data/../etc"], "--results-host-path-prefix \"/data/../etc\" has a \"..\" segment");
        yield return Case("PartialPlaceholder", [], ["/srv/results-{namespace}"], "--results-host-path-prefix \"/srv/results-{namespace}\": the only placeholder is a whole {namespace} segment");
        yield return Case("OtherPlaceholder", [], ["/srv/{name}"], "--results-host-path-prefix \"/srv/{name}\": the only placeholder is a whole {namespace} segment");
    }

    [TestCaseSource(nameof(CreateErrorCases))]
    public void Create_WithBadFlags_SaysWhichFlagAndWhatIsWrong(string[] types, string[] prefixes, string words)
    {
        var (policy, error) = ResultsVolumePolicy.Create(types, prefixes);

        Assert.That(policy, Is.Null);
        Assert.That(error, Does.StartWith(words));
    }

    [Test]
    public void Create_CanonicalisesAndDeduplicates()
    {
        var policy = Policy(["csi", "CSI", "", " "], "/data/", "//data", "/srv/./results");

        Assert.That(policy.Types, Is.EqualTo(new[] { "csi" }));
        Assert.That(policy.HostPathPrefixes, Is.EqualTo(new[] { "/data", "/srv/results" }));
        Assert.That(policy.Description, Is.EqualTo("types csi; hostPath under /data, /srv/results"));
    }

    [Test]
    public void Create_WithNoTypes_AllowsOnlyTheHostPathPrefixes()
    {
        var policy = Policy([], "/data");

        Assert.That(policy.Description, Is.EqualTo("no volume types; hostPath under /data"));
        Assert.That(policy.Refusal(new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }, Namespace), Is.Not.Null);
        Assert.That(policy.Refusal(HostPath("/data/x"), Namespace), Is.Null);
    }
}
