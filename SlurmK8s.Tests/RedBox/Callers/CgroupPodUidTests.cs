using SlurmK8s.RedBox.Callers;

namespace SlurmK8s.Tests.RedBox.Callers;

internal sealed class CgroupPodUidTests
{
    private static string FixtureDirectory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "cgroup");

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(FixtureDirectory, name));

    /// <summary>Every cgroup fixture and what the parser must make of it (null uid: no pod).</summary>
    private static readonly (string File, CgroupMembershipKind Kind, string? Uid)[] Fixtures =
    [
        ("host-captured-shell.txt", CgroupMembershipKind.HostProcess, null),
        ("host-captured-pid1.txt", CgroupMembershipKind.HostProcess, null),
        ("host-captured-slurmd.txt", CgroupMembershipKind.HostProcess, null),
        ("host-user-slice-v2.txt", CgroupMembershipKind.HostProcess, null),
        ("host-init-scope-v2.txt", CgroupMembershipKind.HostProcess, null),
        ("host-root-v2.txt", CgroupMembershipKind.HostProcess, null),
        ("host-systemd-service-v1.txt", CgroupMembershipKind.HostProcess, null),
        ("host-docker-container-v2.txt", CgroupMembershipKind.HostProcess, null),
        ("pod-captured-companion-note.txt", CgroupMembershipKind.Pod, "6c6af77d-fea2-45ed-92e3-71dfc2ffbcf6"),
        ("pod-captured-companion-cgroupfs-v1-hybrid.txt", CgroupMembershipKind.Pod, "612503bb-ffc9-432f-81e6-b957e39f20d5"),
        ("pod-captured-companion-second-node-cgroup-root.txt", CgroupMembershipKind.Pod, "ccb78bce-e8c8-4af3-9f6d-f3b4abd704e3"),
        ("pod-cgroupfs-guaranteed-v2.txt", CgroupMembershipKind.Pod, "e52bf69c-6abe-4dec-8f17-d2f87dacb3a8"),
        ("pod-cgroupfs-burstable-v2.txt", CgroupMembershipKind.Pod, "9e211c8a-d260-4a02-83bc-90bf95725ffd"),
        ("pod-systemd-burstable-v2-containerd.txt", CgroupMembershipKind.Pod, "6a8c1c75-db81-4bd0-9e24-7ff06d5dee1b"),
        ("pod-systemd-besteffort-v1-crio.txt", CgroupMembershipKind.Pod, "9b1a2c2e-42c3-410f-88d9-8b29efc6ed2f"),
        ("pod-systemd-guaranteed-v1-docker.txt", CgroupMembershipKind.Pod, "a40aee52-5140-4f1b-ac62-c5be896bd51e"),
        ("pod-systemd-cri-containerd-infix-v1.txt", CgroupMembershipKind.Pod, "1e355252-56a9-4c47-a823-9ca5e31219b7"),
        ("pod-systemd-cri-containerd-infix-v2-under-system-slice.txt", CgroupMembershipKind.Pod, "f7488c52-489b-4c38-b283-5835c2fac70f"),
        ("pod-kind-nested-docker-v1.txt", CgroupMembershipKind.Pod, "3afde15c-7b4f-444c-9ce8-70bab30e2097"),
        ("pod-relative-cgroup-namespace-v1.txt", CgroupMembershipKind.Pod, "73d752f7-5b50-4be1-82b1-a00f19a30cbe"),
        ("unclear-two-pods.txt", CgroupMembershipKind.Unclear, null),
        ("unclear-kubepods-qos-without-pod.txt", CgroupMembershipKind.Unclear, null),
        ("unclear-kubepods-uppercase-uid.txt", CgroupMembershipKind.Unclear, null),
        ("unclear-kubepods-mixed-separators.txt", CgroupMembershipKind.Unclear, null),
        ("unclear-relative-without-pod.txt", CgroupMembershipKind.Unclear, null),
        ("unclear-pod-named-cgroup-in-user-delegation.txt", CgroupMembershipKind.Unclear, null),
        ("unclear-malformed.txt", CgroupMembershipKind.Unclear, null),
        ("unclear-empty.txt", CgroupMembershipKind.Unclear, null),
    ];

    private static IEnumerable<TestCaseData> FixtureCases() =>
        Fixtures.Select(f => new TestCaseData(f.File, f.Kind, f.Uid).SetArgDisplayNames(f.File));

    [TestCaseSource(nameof(FixtureCases))]
    public void Classify_OnEachFixture_PlacesTheProcessAsItsNameSays(string file, CgroupMembershipKind kind, string? uid)
    {
        var membership = CgroupPodUid.Classify(Fixture(file));

        Assert.That(membership.Kind, Is.EqualTo(kind), membership.Problem);
        Assert.That(membership.PodUid, Is.EqualTo(uid));
        Assert.That(CgroupPodUid.Parse(Fixture(file)), Is.EqualTo(uid));
        if (kind == CgroupMembershipKind.Unclear)
        {
            Assert.That(membership.Problem, Is.Not.Empty);
        }
    }

    [Test]
    public void Fixtures_EveryCgroupFileInTheFolder_HasARowInTheTable()
    {
        var files = Directory.GetFiles(FixtureDirectory, "*.txt").Select(Path.GetFileName).Where(f => !f!.StartsWith("stat-", StringComparison.Ordinal));

        Assert.That(files, Is.EquivalentTo(Fixtures.Select(f => f.File)));
    }

    [Test]
    public void Classify_WhenTheFileNamesTheSamePodOnEveryLineInBothDriverSpellings_IsThatPod()
    {
        // The systemd driver writes the UID with '_', cgroupfs with '-': one pod either way.
        const string text = "1:name=systemd:/kubepods.slice/kubepods-pod0a1b2c3d_0000_4000_8000_00000000000a.slice/cri-containerd-1.scope\n"
            + "0::/kubepods/pod0a1b2c3d-0000-4000-8000-00000000000a/1\n";

        Assert.That(CgroupPodUid.Parse(text), Is.EqualTo("0a1b2c3d-0000-4000-8000-00000000000a"));
    }

    private static IEnumerable<TestCaseData> UnclearCases()
    {
        yield return new TestCaseData("0::/kubepods/pod0a1b2c3d-0000-4000-8000-00000000000a/pod0a1b2c3d-0000-4000-8000-00000000000b/x\n")
            .SetArgDisplayNames("two pods on one line");
        yield return new TestCaseData("0::/kubepods/pod0a1b2c3d-0000-4000-8000-00000000000a1/x\n").SetArgDisplayNames("uid one digit too long");
        yield return new TestCaseData("0::/kubepods/podzzzzzzzz-0000-4000-8000-00000000000a/x\n").SetArgDisplayNames("uid not hex");
        yield return new TestCaseData("0::/kubepods/pod0a1b2c3d00004000800000000000000a/x\n").SetArgDisplayNames("uid without separators");
        yield return new TestCaseData("x::/\n").SetArgDisplayNames("hierarchy id not a number");
        yield return new TestCaseData("0:/\n").SetArgDisplayNames("one colon only");
        yield return new TestCaseData("0::relative\n").SetArgDisplayNames("path without leading slash");
        yield return new TestCaseData("0::/\ngarbage\n").SetArgDisplayNames("a good line then garbage");
        yield return new TestCaseData("\n\n").SetArgDisplayNames("blank lines only");
        yield return new TestCaseData("0::/user.slice/user-1000.slice/user@1000.service/kubepods/besteffort/pod0a1b2c3d-0000-4000-8000-00000000000a/x\n")
            .SetArgDisplayNames("kubepods tree made inside a user's delegated slice");
    }

    [TestCaseSource(nameof(UnclearCases))]
    public void Classify_WhenTheTextCannotBeReadWithCertainty_IsUnclearAndNeverAHostProcess(string text)
    {
        var membership = CgroupPodUid.Classify(text);

        Assert.That(membership.Kind, Is.EqualTo(CgroupMembershipKind.Unclear));
        Assert.That(membership.Problem, Is.Not.Empty);
    }

    [Test]
    public void Classify_WhenLinesNameDifferentPods_NamesBothInTheProblem()
    {
        var membership = CgroupPodUid.Classify(Fixture("unclear-two-pods.txt"));

        Assert.That(membership.Problem, Does.Contain("442de818-38ff-434a-a7de-eac6bf3ad4e8").And.Contain("60e23449-70dc-4f2b-b008-0e4d0ca9b1fc"));
    }

    [Test]
    public void Classify_WhenALineEndsInCarriageReturn_ReadsItAsTheSameLine()
    {
        Assert.That(CgroupPodUid.Parse("0::/kubepods/pod0a1b2c3d-0000-4000-8000-00000000000a/x\r\n"), Is.EqualTo("0a1b2c3d-0000-4000-8000-00000000000a"));
    }

    [Test]
    public void Classify_ThisTestProcess_IsAHostProcess()
    {
        // The tests run on the host (this machine has no pods at the test's pid).
        Assert.That(CgroupPodUid.Classify(File.ReadAllText("/proc/self/cgroup")).Kind, Is.EqualTo(CgroupMembershipKind.HostProcess));
    }
}
