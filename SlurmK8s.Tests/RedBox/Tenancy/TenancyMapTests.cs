using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.RedBox.Tenancy;

internal sealed class TenancyMapTests
{
    private const string FilePath = "/etc/slurmk8s/tenants.yaml";

    // chemistry: namespace lab for service account ci only, namespace chem for all; physics: namespace lab for the rest;
    // biology: namespace bio narrowed to runner; host uid 0 acts as chemistry, 1500 as physics.
    private const string Yaml = """
        tenants:
        - name: chemistry
          user: chem
          account: chemistry
          partitions: [debug, short]
          qos: [normal]
          workRoot: /w/chemistry
          namespaces:
          - namespace: lab
            serviceAccounts: [ci]
          - namespace: chem
        - name: physics
          user: phys
          account: physics
          workRoot: /w/physics
          namespaces:
          - namespace: lab
        - name: biology
          user: bio
          account: biology
          workRoot: /w/biology
          namespaces:
          - namespace: bio
            serviceAccounts: [runner, nightly]
        hostCallers:
        - uid: 0
          tenant: chemistry
        - uid: 1500
          tenant: physics
        """;

    [TestCase("lab", "ci", "chemistry", TestName = "ForPod_ServiceAccountListed_TheNarrowEntryWinsOverTheCatchAll")]
    [TestCase("lab", "default", "physics", TestName = "ForPod_OtherServiceAccount_TheCatchAllEntry")]
    [TestCase("chem", "anything", "chemistry", TestName = "ForPod_NamespaceWithoutList_EveryServiceAccount")]
    [TestCase("bio", "nightly", "biology", TestName = "ForPod_NarrowedNamespace_ListedServiceAccount")]
    public void ForPod_Mapped_FindsTheTenant(string ns, string serviceAccount, string tenant) =>
        Assert.That(Map().ForPod(ns, serviceAccount).Tenant!.Name, Is.EqualTo(tenant));

    [Test]
    public void ForPod_UnlistedNamespaceWithoutDefault_RefusedNamingNamespaceFileAndFix()
    {
        var lookup = Map().ForPod("team-c", "default");

        Assert.That(lookup.IsFound, Is.False);
        Assert.That(lookup.Refusal, Is.EqualTo($"namespace team-c is not mapped to a tenant in {FilePath}: "
            + "an administrator adds it under a tenant's namespaces (or sets defaultTenant)"));
    }

    [Test]
    public void ForPod_UnlistedNamespaceWithDefault_GetsTheDefaultTenant()
    {
        var map = Map("defaultTenant: physics\n" + Yaml);

        Assert.That(map.DefaultTenant!.Name, Is.EqualTo("physics"));
        Assert.That(map.ForPod("team-c", "default").Tenant!.Name, Is.EqualTo("physics"));
    }

    [Test]
    public void ForPod_NarrowedNamespaceOtherServiceAccount_RefusedEvenWithADefaultTenant()
    {
        // A namespace the administrator narrowed must not fall through to the default: that would widen it.
        var lookup = Map("defaultTenant: physics\n" + Yaml).ForPod("bio", "default");

        Assert.That(lookup.IsFound, Is.False);
        Assert.That(lookup.Refusal, Does.Contain("service account default of namespace bio is not mapped to a tenant in " + FilePath));
        Assert.That(lookup.Refusal, Does.Contain("only service accounts nightly, runner of that namespace are"));
        Assert.That(lookup.Refusal, Does.Contain("adds default to a serviceAccounts list"));
    }

    [TestCase("Lab", "ci", TestName = "ForPod_NamespaceInOtherCase_Refused")]
    [TestCase("lab ", "ci", TestName = "ForPod_NamespaceWithTrailingSpace_Refused")]
    [TestCase("bio", "Runner", TestName = "ForPod_ServiceAccountInOtherCase_Refused")]
    [TestCase("bio", "", TestName = "ForPod_EmptyServiceAccount_Refused")]
    [TestCase("", "", TestName = "ForPod_EmptyNamespace_Refused")]
    public void ForPod_NearMiss_Refused(string ns, string serviceAccount) =>
        Assert.That(Map().ForPod(ns, serviceAccount).IsFound, Is.False);

    [TestCase(0u, "chemistry")]
    [TestCase(1500u, "physics")]
    public void ForHost_ListedUid_ActsAsItsTenant(uint uid, string tenant) =>
        Assert.That(Map().ForHost(uid).Tenant!.Name, Is.EqualTo(tenant));

    [Test]
    public void ForHost_UnlistedUid_RefusedNamingUidFileAndFix()
    {
        var lookup = Map().ForHost(1001);

        Assert.That(lookup.IsFound, Is.False);
        Assert.That(lookup.Refusal, Is.EqualTo($"uid 1001 (a process on the host, not in a pod) is not listed in {FilePath}: "
            + "an administrator adds it under hostCallers with the tenant it acts as"));
    }

    [Test]
    public void ForHost_TenantsUserUidNotListed_Refused() =>
        // Being a tenant's Unix user does not make a host process that tenant: only hostCallers does.
        Assert.That(Map().ForHost(Map().Tenants[0].User.Uid).IsFound, Is.False);

    [Test]
    public void Tenant_PartitionsAndQos_OnlyThoseListedOrAnyWhenNone()
    {
        var chemistry = Map().Tenants[0];
        var physics = Map().Tenants[1];

        Assert.That(chemistry.MayUsePartition("debug"), Is.True);
        Assert.That(chemistry.MayUsePartition("short"), Is.True);
        Assert.That(chemistry.MayUsePartition("gpu"), Is.False);
        Assert.That(chemistry.MayUsePartition("Debug"), Is.False);
        Assert.That(chemistry.MayUsePartition("debug,gpu"), Is.False);
        Assert.That(chemistry.MayUseQos("normal"), Is.True);
        Assert.That(chemistry.MayUseQos("high"), Is.False);
        Assert.That(chemistry.DefaultPartition, Is.EqualTo("debug"));
        Assert.That(physics.MayUsePartition("gpu"), Is.True);
        Assert.That(physics.MayUseQos("high"), Is.True);
        Assert.That(physics.DefaultPartition, Is.Null);
    }

    [Test]
    public void Summary_NamesEveryTenantWhoMapsToItAndTheDefault()
    {
        var summary = Map().Summary();

        Assert.That(summary, Does.StartWith("3 tenants: "));
        Assert.That(summary, Does.Contain("chemistry (user chem uid 1001, account chemistry) <- namespace chem, namespace lab (service accounts ci), host uid 0"));
        Assert.That(summary, Does.Contain("physics (user phys uid 1002, account physics) <- namespace lab (other service accounts), host uid 1500"));
        Assert.That(summary, Does.Contain("biology (user bio uid 1003, account biology) <- namespace bio (service accounts nightly, runner)"));
        Assert.That(summary, Does.EndWith("default tenant: none (unlisted namespaces are refused)"));
        Assert.That(summary, Does.Not.Contain("\n"));
    }

    private static TenancyMap Map(string yaml = Yaml) => TenancyFile.Parse(yaml, FilePath, FakeUserDatabase.WithSampleUsers());
}
