using SlurmK8s.Os;
using SlurmK8s.RedBox.Tenancy;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// A tenancy file for a red-box under test, over the real users and Slurm accounts scripts/slurm.sh makes (sk8s-jobs,
/// sk8s-team-a, sk8s-team-b; accounts jobs, team-a, team-b): each tenant gets a fresh work root of its own, owned by its
/// user. Host uid 0 (this test process) acts as <paramref name="hostTenant"/>; namespaces team-a and team-b map to their tenants.
/// </summary>
internal sealed class TestTenancy
{
    public static readonly string[] Names = ["jobs", "team-a", "team-b"];

    private TestTenancy(string file, string root)
    {
        File = file;
        Root = root;
    }

    /// <summary>The tenancy file's path.</summary>
    public string File { get; }

    /// <summary>The folder holding every tenant's work root.</summary>
    public string Root { get; }

    public static string UserOf(string tenant) => "sk8s-" + tenant;

    public string WorkRootOf(string tenant) => Path.Combine(Root, tenant);

    /// <summary>The tenancy written earlier in <paramref name="directory"/> (a red-box restarted on the same submit host).</summary>
    public static TestTenancy Open(string directory) => new(Path.Combine(directory, "tenants.yaml"), Path.Combine(directory, "tenants"));

    /// <summary>Writes the file and the work roots under <paramref name="directory"/>.</summary>
    public static TestTenancy Create(string directory, string hostTenant = "jobs", string? defaultTenant = null)
    {
        Directory.CreateDirectory(directory);
        // The users pass through on their way to their roots (slurmd writes the output there as them); nobody lists them.
        System.IO.File.SetUnixFileMode(directory, (UnixFileMode)0x1C9); // 0711
        TempDirectory.LetEveryonePassThrough(directory);
        var root = Path.Combine(directory, "tenants");
        Directory.CreateDirectory(root, (UnixFileMode)0x1C9);
        var yaml = new System.Text.StringBuilder();
        yaml.Append("minimumUid: 1000\n");
        if (defaultTenant is not null)
        {
            yaml.Append($"defaultTenant: {defaultTenant}\n");
        }
        yaml.Append("tenants:\n");
        foreach (var name in Names)
        {
            var workRoot = Path.Combine(root, name);
            Directory.CreateDirectory(workRoot, (UnixFileMode)0x1C0); // 0700
            var user = UserId(UserOf(name));
            Libc.ChangeOwner(workRoot, user, user);
            yaml.Append($"- name: {name}\n  user: {UserOf(name)}\n  account: {name}\n  workRoot: {workRoot}\n");
            if (name != "jobs")
            {
                yaml.Append($"  namespaces:\n  - namespace: {name}\n");
            }
        }
        yaml.Append($"hostCallers:\n- uid: 0\n  tenant: {hostTenant}\n");
        var file = Path.Combine(directory, "tenants.yaml");
        System.IO.File.WriteAllText(file, yaml.ToString());
        System.IO.File.SetUnixFileMode(file, (UnixFileMode)0x1A4); // 0644, root's
        return new TestTenancy(file, root);
    }

    private static uint UserId(string name) => new EtcUserDatabase().Find(name)?.Uid
        ?? throw new InvalidOperationException($"no user {name}: scripts/slurm.sh up creates the tenants' users");
}
