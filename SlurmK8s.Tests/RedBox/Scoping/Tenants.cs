using SlurmK8s.Os;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.RedBox.Scoping;
using SlurmK8s.RedBox.Tenancy;

namespace SlurmK8s.Tests.RedBox.Scoping;

/// <summary>Tenants and callers for unit tests: users that need not exist in /etc/passwd (file rights go by uid), work roots they own.</summary>
internal static class Tenants
{
    /// <summary>A tenant whose work root (under <paramref name="parent"/>) exists and belongs to its user, as the administrator sets it up.</summary>
    public static Tenant Make(string parent, string name, uint uid, IReadOnlyList<string>? partitions = null, IReadOnlyList<string>? qos = null)
    {
        var root = Path.Combine(parent, name);
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Libc.ChangeOwner(root, uid, uid);
        TempDirectory.LetEveryonePassThrough(parent);
        return new Tenant(name, new UnixUser($"user-{name}", uid, uid, [uid], "/nonexistent"), $"acct-{name}", partitions ?? [], qos ?? [], root);
    }

    public static Caller HostCaller(uint uid = 0) => new(Environment.ProcessId, uid, uid, null);

    public static Caller SlurmJobPod(string @namespace, string slurmJobName, string slurmJobUid) =>
        new(4321, 1000, 1000, new PodIdentity(@namespace, slurmJobName + "-job", Guid.NewGuid().ToString(), "default", slurmJobName, slurmJobUid));

    public static Caller OtherPod(string @namespace) =>
        new(4322, 1000, 1000, new PodIdentity(@namespace, "tooling", Guid.NewGuid().ToString(), "default", null, null));

    public static CallScope Scope(Tenant tenant, Caller caller) => new(caller, tenant);
}
