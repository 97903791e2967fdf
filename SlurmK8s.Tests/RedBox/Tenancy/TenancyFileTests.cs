using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.RedBox.Tenancy;

internal sealed class TenancyFileTests
{
    private const string FilePath = "/etc/slurmk8s/tenants.yaml";

    // red-box runs as uid 1020 (group 1020) and hands its socket to group 994.
    private static readonly RedBoxIdentity RedBox = new(1020, 1020, 994);

    [Test]
    public void Parse_SiteExample_GivesItsTenantsAndCallers()
    {
        var map = Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "tenancy", "site-example.yaml")), FilePath);

        Assert.That(map.Tenants.Select(t => t.Name), Is.EqualTo(new[] { "chemistry", "physics" }));
        var chemistry = map.Tenants[0];
        Assert.That((chemistry.User.Name, chemistry.User.Uid, chemistry.User.Gid, chemistry.User.Home), Is.EqualTo(("chem", 1001u, 1001u, "/home/chem")));
        Assert.That(chemistry.User.Groups, Is.EqualTo(new uint[] { 1001 }));
        Assert.That(chemistry.Account, Is.EqualTo("chemistry"));
        Assert.That(chemistry.Partitions, Is.EqualTo(new[] { "debug", "short" }));
        Assert.That(chemistry.DefaultPartition, Is.EqualTo("debug"));
        Assert.That(chemistry.Qos, Is.Empty);
        Assert.That(chemistry.WorkRoot, Is.EqualTo("/var/lib/slurmk8s/tenants/chemistry"));
        Assert.That(map.Tenants[1].Partitions, Is.Empty);
        Assert.That(map.Tenants[1].DefaultPartition, Is.Null);
        Assert.That(map.MinimumUid, Is.EqualTo(1000));
        Assert.That(map.DefaultTenant, Is.Null);
        Assert.That(map.ForPod("chem", "default").Tenant, Is.SameAs(chemistry));
        Assert.That(map.ForPod("chem-dev", "ci").Tenant, Is.SameAs(chemistry));
        Assert.That(map.ForPod("chem-dev", "default").IsFound, Is.False);
        Assert.That(map.ForPod("physics", "default").Tenant, Is.SameAs(map.Tenants[1]));
        Assert.That(map.ForHost(0).Tenant, Is.SameAs(chemistry));
    }

    [Test]
    public void Parse_TheDemosFile_MapsEveryOtherNamespaceToTheJobsTenant()
    {
        var users = new FakeUserDatabase().Add("sk8s-jobs", 2000).Add("sk8s-team-a", 2001).Add("sk8s-team-b", 2002);

        var map = TenancyFile.Parse(File.ReadAllText(RepositoryFiles.Manifest("tenants.yaml")), FilePath, users, RedBox);

        Assert.That(map.Tenants.Select(t => (t.Name, t.User.Name, t.Account)),
            Is.EqualTo(new[] { ("jobs", "sk8s-jobs", "jobs"), ("team-a", "sk8s-team-a", "team-a"), ("team-b", "sk8s-team-b", "team-b") }));
        Assert.That(map.ForPod("default", "slurm-companion").Tenant?.Name, Is.EqualTo("jobs"));
        Assert.That(map.ForPod("team-b", "slurm-companion").Tenant?.Name, Is.EqualTo("team-b"));
        Assert.That(map.ForHost(0).Tenant?.Name, Is.EqualTo("jobs"));
        Assert.That(map.ForHost(1000).IsFound, Is.False);
    }

    [TestCase("")]
    [TestCase("# nothing here yet\n")]
    [TestCase("tenants: []\n")]
    public void Parse_EmptyFile_MapsNobody(string yaml)
    {
        var map = Parse(yaml);

        Assert.That(map.Tenants, Is.Empty);
        Assert.That(map.ForPod("chem", "default").Refusal, Does.Contain("namespace chem is not mapped"));
        Assert.That(map.ForHost(0).IsFound, Is.False);
    }

    [Test]
    public void Parse_MinimumUidLowered_AcceptsAUserAboveIt()
    {
        var map = Parse("minimumUid: 500\ntenants:\n" + Tenant(user: "daemon1"));

        Assert.That(map.MinimumUid, Is.EqualTo(500));
        Assert.That(map.Tenants[0].User.Uid, Is.EqualTo(500));
    }

    [Test]
    public void Parse_WorkRootWrittenLoosely_IsStoredPlain() =>
        Assert.That(Parse("tenants:\n" + Tenant(workRoot: "//w//chemistry/")).Tenants[0].WorkRoot, Is.EqualTo("/w/chemistry"));

    [Test]
    public void Parse_SiblingWorkRootsSharingAPrefix_AreNotNested()
    {
        var map = Parse("tenants:\n" + Tenant(workRoot: "/w/chem") + Tenant("physics", "phys", "physics", "/w/chemistry"));

        Assert.That(map.Tenants.Select(t => t.WorkRoot), Is.EqualTo(new[] { "/w/chem", "/w/chemistry" }));
    }

    [Test]
    public void Parse_PartitionsAndQos_KeptInOrderWithoutRepeats()
    {
        var tenant = Parse("tenants:\n" + Tenant(more: "  partitions: [short, debug, short]\n  qos: [normal, high.prio, low_1]\n")).Tenants[0];

        Assert.That(tenant.Partitions, Is.EqualTo(new[] { "short", "debug" }));
        Assert.That(tenant.Qos, Is.EqualTo(new[] { "normal", "high.prio", "low_1" }));
    }

    [Test]
    public void Parse_OneNamespaceSplitByServiceAccount_MapsEachPart()
    {
        var map = Parse("tenants:\n"
            + Tenant(more: "  namespaces:\n  - namespace: shared\n    serviceAccounts: [ci.build, chem-runner]\n")
            + Tenant("physics", "phys", "physics", "/w/physics", "  namespaces:\n  - namespace: shared\n"));

        Assert.That(map.ForPod("shared", "ci.build").Tenant!.Name, Is.EqualTo("chemistry"));
        Assert.That(map.ForPod("shared", "chem-runner").Tenant!.Name, Is.EqualTo("chemistry"));
        Assert.That(map.ForPod("shared", "default").Tenant!.Name, Is.EqualTo("physics"));
    }

    [Test]
    public void Parse_UserGroups_ComeFromTheUserDatabase()
    {
        var users = Users().Add("grouped", 1500, 1500, 2000, 3000);

        var user = TenancyFile.Parse("tenants:\n" + Tenant(user: "grouped"), FilePath, users, RedBox).Tenants[0].User;

        Assert.That((user.Name, user.Uid, user.Gid), Is.EqualTo(("grouped", 1500u, 1500u)));
        Assert.That(user.Groups, Is.EqualTo(new uint[] { 1500, 2000, 3000 }));
    }

    [Test]
    public void Parse_WithoutRedBoxIdentity_SkipsOnlyThoseChecks()
    {
        Assert.That(TenancyFile.Parse("tenants:\n" + Tenant(user: "svc"), FilePath, Users()).Tenants[0].User.Uid, Is.EqualTo(1020));
        Assert.Throws<TenancyFileException>(() => TenancyFile.Parse("tenants:\n" + Tenant(user: "toor"), FilePath, Users()));
    }

    /// <summary>A file, the field and line the error must name (0: no line), and words of the problem and its fix.</summary>
    private static IEnumerable<TestCaseData> BadFiles()
    {
        TestCaseData Case(string name, string yaml, string field, int line, params string[] words) =>
            new TestCaseData(yaml, field, line, words).SetName(name);
        var two = (string first, string second) => "tenants:\n" + first + second;
        var physics = (string workRoot) => Tenant("physics", "phys", "physics", workRoot);

        // Keys and shapes (YamlDotNet's own errors, reworded).
        yield return Case("unknown top-level key", "tenant:\n- name: x\n", "tenant", 1, "unknown key 'tenant'", "minimumUid, defaultTenant, tenants and hostCallers", "spelling");
        yield return Case("unknown key in a tenant", "tenants:\n" + Tenant(more: "  nmae: x\n"), "tenants[0].nmae", 6, "unknown key 'nmae'", "a tenant takes only name, user");
        yield return Case("unknown key in a namespace entry", "tenants:\n" + Tenant(more: "  namespaces:\n  - namespace: chem\n    serviceAccount: [ci]\n"),
            "tenants[0].namespaces[0].serviceAccount", 8, "unknown key 'serviceAccount'", "namespace and serviceAccounts");
        yield return Case("unknown key in a host caller", "tenants:\n" + Tenant() + "hostCallers:\n- user: root\n  tenant: chemistry\n",
            "hostCallers[0].user", 7, "unknown key 'user'", "uid and tenant");
        yield return Case("a key twice", "tenants:\n" + Tenant(more: "  account: other\n"), "tenants[0].account", 6, "'account' appears twice", "keep one");
        yield return Case("a value where a list belongs", "tenants:\n" + Tenant(more: "  partitions: debug\n"), "tenants[0].partitions", 6, "a list belongs here");
        yield return Case("a list where a value belongs", "tenants:\n" + Tenant(user: "[chem, phys]"), "tenants[0].user", 3, "a single value");
        yield return Case("tenants as a map", "tenants:\n  chemistry: {}\n", "tenants", 2, "a list belongs here");
        yield return Case("an empty tenant entry", "tenants:\n-\n", "tenants[0]", 2, "an empty entry");
        yield return Case("an empty namespace entry", "tenants:\n" + Tenant(more: "  namespaces:\n  -\n"), "tenants[0].namespaces[0]", 7, "an empty entry", "- namespace: NAME");
        yield return Case("an empty host caller entry", "tenants:\n" + Tenant() + "hostCallers:\n-\n", "hostCallers[0]", 7, "an empty entry", "uid and tenant");

        // Missing fields: the tenant's own line.
        yield return Case("name missing", "tenants:\n- user: chem\n  account: chemistry\n  workRoot: /w/c\n", "tenants[0].name", 2, "missing", "needs a name");
        yield return Case("user missing", "tenants:\n- name: chemistry\n  account: chemistry\n  workRoot: /w/c\n", "tenants[0].user", 2, "missing", "Unix user");
        yield return Case("account missing", "tenants:\n- name: chemistry\n  user: chem\n  workRoot: /w/c\n", "tenants[0].account", 2, "missing", "Slurm account");
        yield return Case("workRoot missing", "tenants:\n- name: chemistry\n  user: chem\n  account: chemistry\n", "tenants[0].workRoot", 2, "missing", "/var/lib/slurmk8s/tenants/chemistry");
        yield return Case("workRoot empty", "tenants:\n" + Tenant(workRoot: "\"\""), "tenants[0].workRoot", 5, "missing");

        // Names.
        yield return Case("tenant name twice", two(Tenant(), Tenant("chemistry", "phys", "physics", "/w/physics")), "tenants[1].name", 6,
            "tenant chemistry is already defined at tenants[0]", "distinct");
        yield return Case("tenant name in capitals", "tenants:\n" + Tenant(name: "Chemistry"), "tenants[0].name", 2, "'Chemistry' is not a valid tenant name", "lower-case");
        yield return Case("account with a space", "tenants:\n" + Tenant(account: "chem istry"), "tenants[0].account", 4, "'chem istry' is not a Slurm account name", "letters, digits");
        yield return Case("account like an option", "tenants:\n" + Tenant(account: "-chem"), "tenants[0].account", 4, "'-chem'", "not beginning with '-'");
        yield return Case("account with a shell character", "tenants:\n" + Tenant(account: "\"chem;rm\""), "tenants[0].account", 4, "'chem;rm'");
        yield return Case("partition that is a comma list", "tenants:\n" + Tenant(more: "  partitions: [debug, \"a,b\"]\n"), "tenants[0].partitions[1]", 6, "'a,b' is not a Slurm partition name");
        yield return Case("partition empty", "tenants:\n" + Tenant(more: "  partitions: [\"\"]\n"), "tenants[0].partitions[0]", 6, "is not a Slurm partition name");
        yield return Case("qos with a dollar", "tenants:\n" + Tenant(more: "  qos: [n$]\n"), "tenants[0].qos[0]", 6, "'n$' is not a Slurm QoS name");
        yield return Case("namespace in capitals", "tenants:\n" + Tenant(more: "  namespaces:\n  - namespace: Chem\n"), "tenants[0].namespaces[0].namespace", 7,
            "'Chem' is not a Kubernetes namespace name");
        yield return Case("namespace with an underscore", "tenants:\n" + Tenant(more: "  namespaces:\n  - namespace: chem_dev\n"), "tenants[0].namespaces[0].namespace", 7,
            "'chem_dev'");
        yield return Case("namespace with a trailing newline", "tenants:\n" + Tenant(more: "  namespaces:\n  - namespace: \"chem\\n\"\n"), "tenants[0].namespaces[0].namespace", 7,
            "'chem\\u000a' is not a Kubernetes namespace name");
        yield return Case("namespace too long", "tenants:\n" + Tenant(more: $"  namespaces:\n  - namespace: {new string('a', 64)}\n"), "tenants[0].namespaces[0].namespace", 7,
            "at most 63");
        yield return Case("namespace missing", "tenants:\n" + Tenant(more: "  namespaces:\n  - serviceAccounts: [ci]\n"), "tenants[0].namespaces[0].namespace", 7, "missing");
        yield return Case("service account in capitals", "tenants:\n" + Tenant(more: "  namespaces:\n  - namespace: chem\n    serviceAccounts: [CI]\n"),
            "tenants[0].namespaces[0].serviceAccounts[0]", 8, "'CI' is not a Kubernetes service account name");
        yield return Case("service accounts an empty list", "tenants:\n" + Tenant(more: "  namespaces:\n  - namespace: chem\n    serviceAccounts: []\n"),
            "tenants[0].namespaces[0].serviceAccounts", 8, "admits no pod", "remove the key");

        // Users: only an unprivileged user of the tenant's own, never red-box.
        yield return Case("user unknown", "tenants:\n" + Tenant(user: "nobody1"), "tenants[0].user", 3, "no user nobody1", "useradd", "LDAP");
        yield return Case("user given as a uid", "tenants:\n" + Tenant(user: "1001"), "tenants[0].user", 3, "'1001' is a number", "user's name");
        yield return Case("user root by another name", "tenants:\n" + Tenant(user: "toor"), "tenants[0].user", 3, "root (uid 0)", "unprivileged user");
        yield return Case("user below the floor", "tenants:\n" + Tenant(user: "daemon1"), "tenants[0].user", 3, "uid 500, below minimumUid 1000", "lower minimumUid");
        yield return Case("user below a raised floor", "minimumUid: 2000\ntenants:\n" + Tenant(), "tenants[0].user", 4, "uid 1001, below minimumUid 2000");
        yield return Case("user with uid -1", "tenants:\n" + Tenant(user: "minus1"), "tenants[0].user", 3, "4294967295 (-1)", "'unchanged'");
        yield return Case("user in group -1", "tenants:\n" + Tenant(user: "minus1group"), "tenants[0].user", 3, "4294967295 (-1)");
        yield return Case("user nobody", "tenants:\n" + Tenant(user: "nobody"), "tenants[0].user", 3, "overflow user or group 65534", "a user of its own");
        yield return Case("user in nogroup", "tenants:\n" + Tenant(user: "nogroupie"), "tenants[0].user", 3, "overflow user or group 65534");
        yield return Case("user in root's group", "tenants:\n" + Tenant(user: "rootgroup"), "tenants[0].user", 3, "group 0 (root) as its primary group", "a group of its own");
        yield return Case("user a member of root's group", "tenants:\n" + Tenant(user: "wheelie"), "tenants[0].user", 3, "member of group 0", "remove it from that group");
        yield return Case("user red-box itself", "tenants:\n" + Tenant(user: "svc"), "tenants[0].user", 3, "the user red-box runs as", "dedicated job user");
        yield return Case("user in red-box's group", "tenants:\n" + Tenant(user: "rbgroup"), "tenants[0].user", 3, "red-box's group (gid 1020)", "remove the user");
        yield return Case("user in the socket's group", "tenants:\n" + Tenant(user: "sockuser"), "tenants[0].user", 3, "socket group (gid 994)", "remove the user");
        yield return Case("one user for two tenants", two(Tenant(), Tenant("physics", "chem", "physics", "/w/physics")), "tenants[1].user", 7,
            "user chem (uid 1001) already runs tenant chemistry's jobs", "its own Unix user");
        yield return Case("one uid under two names", two(Tenant(), Tenant("physics", "chem2", "physics", "/w/physics")), "tenants[1].user", 7,
            "uid 1001", "already runs tenant chemistry's jobs");
        yield return Case("minimumUid not a number", "minimumUid: lots\n", "minimumUid", 1, "'lots' is not a uid", "whole number");
        yield return Case("minimumUid negative", "minimumUid: -1\n", "minimumUid", 1, "'-1' is not a uid");

        // Work roots: plain, absolute, and apart.
        yield return Case("workRoot relative", "tenants:\n" + Tenant(workRoot: "w/chemistry"), "tenants[0].workRoot", 5, "not an absolute path", "write it from /");
        yield return Case("workRoot climbing out", "tenants:\n" + Tenant(workRoot: "/w/chemistry/../physics"), "tenants[0].workRoot", 5, "'..'", "without '.' or '..'");
        yield return Case("workRoot with a dot", "tenants:\n" + Tenant(workRoot: "/w/./chemistry"), "tenants[0].workRoot", 5, "'.'");
        yield return Case("workRoot the whole file system", "tenants:\n" + Tenant(workRoot: "/"), "tenants[0].workRoot", 5, "whole file system");
        yield return Case("workRoot with a newline", "tenants:\n" + Tenant(workRoot: "\"/w/chem\\nistry\""), "tenants[0].workRoot", 5, "control character");
        yield return Case("workRoot shared", two(Tenant(), physics("/w/chemistry/")), "tenants[1].workRoot", 9,
            "'/w/chemistry' is also tenant chemistry's workRoot", "a directory of its own");
        yield return Case("workRoot inside another", two(Tenant(), physics("/w/chemistry/physics")), "tenants[1].workRoot", 9, "lies inside tenant chemistry's workRoot /w/chemistry");
        yield return Case("workRoot around another", two(Tenant(), physics("/w")), "tenants[1].workRoot", 9, "'/w' contains tenant chemistry's workRoot");

        // Every pod maps to one tenant.
        yield return Case("namespace mapped twice", two(Tenant(more: "  namespaces:\n  - namespace: chem\n"),
                Tenant("physics", "phys", "physics", "/w/physics", "  namespaces:\n  - namespace: chem\n")),
            "tenants[1].namespaces[0]", 13, "namespace chem (all its service accounts) is already mapped at tenants[0].namespaces[0] (tenant chemistry)", "one tenant");
        yield return Case("service account mapped twice", two(Tenant(more: "  namespaces:\n  - namespace: chem\n    serviceAccounts: [ci]\n"),
                Tenant("physics", "phys", "physics", "/w/physics", "  namespaces:\n  - namespace: chem\n    serviceAccounts: [web, ci]\n")),
            "tenants[1].namespaces[0].serviceAccounts[1]", 15, "service account ci of namespace chem is already mapped at tenants[0].namespaces[0].serviceAccounts[0]");
        yield return Case("service account listed twice", "tenants:\n" + Tenant(more: "  namespaces:\n  - namespace: chem\n    serviceAccounts: [ci, ci]\n"),
            "tenants[0].namespaces[0].serviceAccounts[1]", 8, "service account ci of namespace chem is already mapped");
        yield return Case("namespace twice in one tenant", "tenants:\n" + Tenant(more: "  namespaces:\n  - namespace: chem\n  - namespace: chem\n"),
            "tenants[0].namespaces[1]", 8, "namespace chem (all its service accounts) is already mapped at tenants[0].namespaces[0]");

        // References to tenants, and host callers.
        yield return Case("defaultTenant undefined", "defaultTenant: biology\ntenants:\n" + Tenant(), "defaultTenant", 1, "there is no tenant biology", "name one of chemistry");
        yield return Case("defaultTenant with no tenants", "defaultTenant: biology\n", "defaultTenant", 1, "the file defines none");
        yield return Case("host caller's tenant undefined", "tenants:\n" + Tenant() + "hostCallers:\n- uid: 0\n  tenant: biology\n", "hostCallers[0].tenant", 8,
            "there is no tenant biology");
        yield return Case("host caller's tenant missing", "tenants:\n" + Tenant() + "hostCallers:\n- uid: 0\n", "hostCallers[0].tenant", 7, "missing", "name the tenant");
        yield return Case("host caller's uid missing", "tenants:\n" + Tenant() + "hostCallers:\n- tenant: chemistry\n", "hostCallers[0].uid", 7, "missing");
        yield return Case("host caller's uid a name", "tenants:\n" + Tenant() + "hostCallers:\n- uid: root\n  tenant: chemistry\n", "hostCallers[0].uid", 7,
            "'root' is not a uid", "id -u");
        yield return Case("host uid listed twice", "tenants:\n" + Tenant() + "hostCallers:\n- uid: 0\n  tenant: chemistry\n- uid: 0\n  tenant: chemistry\n",
            "hostCallers[1].uid", 9, "uid 0 is already listed at hostCallers[0] (tenant chemistry)", "remove one");

        // YAML that does not parse: the line, and YamlDotNet's words.
        yield return Case("bad indentation", "tenants:\n- name: chemistry\n   user: chem\n", "", 3, "does not parse", "indentation");
        yield return Case("a tab for indentation", "tenants:\n- name: chemistry\n\tuser: chem\n", "", 0, "does not parse", "tab");
    }

    [TestCaseSource(nameof(BadFiles))]
    public void Parse_BadFile_ThrowsNamingFileFieldLineAndFix(string yaml, string field, int line, string[] words)
    {
        var error = Assert.Throws<TenancyFileException>(() => Parse(yaml))!;

        Assert.That(error.FilePath, Is.EqualTo(FilePath));
        Assert.That(error.Message, Does.StartWith(FilePath + ":"));
        if (field.Length > 0)
        {
            Assert.That(error.Field, Is.EqualTo(field), error.Message);
            Assert.That(error.Message, Does.Contain($": {field}: "));
        }
        if (line > 0)
        {
            Assert.That(error.Line, Is.EqualTo(line), error.Message);
            Assert.That(error.Message, Does.StartWith($"{FilePath}:{line}: "));
        }
        foreach (var word in words)
        {
            Assert.That(error.Problem, Does.Contain(word));
        }
    }

    internal static string Tenant(string name = "chemistry", string user = "chem", string account = "chemistry", string workRoot = "/w/chemistry", string more = "") =>
        $"- name: {name}\n  user: {user}\n  account: {account}\n  workRoot: {workRoot}\n{more}";

    private static TenancyMap Parse(string yaml, string path = FilePath) => TenancyFile.Parse(yaml, path, Users(), RedBox);

    private static FakeUserDatabase Users() => FakeUserDatabase.WithSampleUsers()
        .Add("chem2", 1001)
        .Add("daemon1", 500)
        .Add("toor", 0, 0)
        .Add("rootgroup", 1010, 0)
        .Add("wheelie", 1011, 1011, 0)
        .Add("minus1", uint.MaxValue, 1030)
        .Add("minus1group", 1031, 1031, uint.MaxValue)
        .Add("nobody", 65534)
        .Add("nogroupie", 1032, 65534)
        .Add("svc", 1020)
        .Add("rbgroup", 1021, 1021, 1020)
        .Add("sockuser", 1022, 1022, 994);
}
