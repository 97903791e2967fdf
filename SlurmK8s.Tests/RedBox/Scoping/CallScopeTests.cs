using SlurmK8s.RedBox.Scoping;

namespace SlurmK8s.Tests.RedBox.Scoping;

public sealed class CallScopeTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void ScopedKey_SameKeyFromAnotherTenantOrSlurmJobOrHost_IsAnotherKey()
    {
        var a = Tenants.Make(_dir.Path, "team-a", 4301);
        var b = Tenants.Make(_dir.Path, "team-b", 4302);
        string[] keys =
        [
            Tenants.Scope(a, Tenants.SlurmJobPod("team-a", "cow", "uid-1")).ScopedKey("uid-1"),
            Tenants.Scope(b, Tenants.SlurmJobPod("team-a", "cow", "uid-1")).ScopedKey("uid-1"),
            Tenants.Scope(a, Tenants.SlurmJobPod("team-a", "cow", "uid-2")).ScopedKey("uid-1"),
            Tenants.Scope(a, Tenants.OtherPod("team-a")).ScopedKey("uid-1"),
            Tenants.Scope(a, Tenants.HostCaller()).ScopedKey("uid-1"),
        ];

        Assert.That(keys, Is.Unique);
        Assert.That(keys, Has.None.Contain("uid-1"), "a key is not readable from a job's comment");
    }

    [Test]
    public void Owns_AnotherUsersJob_IsFalse()
    {
        var a = Tenants.Make(_dir.Path, "team-a", 4301);
        var host = Tenants.Scope(a, Tenants.HostCaller());

        Assert.That(host.Owns("user-team-a", ""), Is.True);
        Assert.That(host.Owns("user-team-b", ""), Is.False);
        Assert.That(host.Owns("", ""), Is.False, "a job Slurm does not know has no owner");
    }

    [Test]
    public void Owns_ForASlurmJobsCompanion_OnlyTheJobsMarkedWithItsSlurmJob()
    {
        var a = Tenants.Make(_dir.Path, "team-a", 4301);
        var cow = Tenants.Scope(a, Tenants.SlurmJobPod("team-a", "cow", "uid-cow"));
        var other = Tenants.Scope(a, Tenants.SlurmJobPod("team-a", "other", "uid-other"));

        Assert.That(cow.Owns("user-team-a", cow.Comment("uid-cow")), Is.True);
        Assert.That(cow.Owns("user-team-a", other.Comment("uid-other")), Is.False, "a patched status cannot point the companion at a neighbour's job");
        Assert.That(cow.Owns("user-team-a", ""), Is.False);
    }

    [Test]
    public void JobDirectory_OfASlurmJob_IsUnderItsTenantsRootByNamespaceNameAndUid()
    {
        var a = Tenants.Make(_dir.Path, "team-a", 4301);

        var directory = Tenants.Scope(a, Tenants.SlurmJobPod("ns", "cow", "0b5c")).JobDirectory("0b5c");

        Assert.That(directory, Is.EqualTo(Path.Join(a.WorkRoot, "ns", "cow-0b5c")));
    }

    [Test]
    public void JobDirectory_WithoutASlurmJob_IsPerKeyOrNew()
    {
        var a = Tenants.Make(_dir.Path, "team-a", 4301);
        var host = Tenants.Scope(a, Tenants.HostCaller());

        var again = host.JobDirectory("k1");
        var unkeyed = host.JobDirectory(null);

        Assert.That(host.JobDirectory("k1"), Is.EqualTo(again));
        Assert.That(host.JobDirectory("k1"), Is.Not.EqualTo(host.JobDirectory("k2")));
        Assert.That(host.JobDirectory(null), Is.Not.EqualTo(unkeyed));
        Assert.That(host.JobDirectory(null), Does.StartWith(a.WorkRoot + "/"));
    }
}
