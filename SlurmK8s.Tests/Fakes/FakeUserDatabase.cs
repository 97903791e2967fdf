using SlurmK8s.Os;
using SlurmK8s.RedBox.Tenancy;

namespace SlurmK8s.Tests.Fakes;

/// <summary>Users held in memory, as /etc/passwd and /etc/group would give them; change them between loads with <see cref="Add"/> and <see cref="Remove"/>.</summary>
internal sealed class FakeUserDatabase : IUserDatabase
{
    private readonly Dictionary<string, UnixUser> _users = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IReadOnlyList<string> Sources => [];

    /// <summary>The users of manifests/tenants.yaml and the tests' own: chem 1001, phys 1002, bio 1003.</summary>
    public static FakeUserDatabase WithSampleUsers() =>
        new FakeUserDatabase().Add("chem", 1001).Add("phys", 1002).Add("bio", 1003);

    /// <summary>Adds (or replaces) a user; its primary group is its uid unless told, and it is in no other group unless told.</summary>
    public FakeUserDatabase Add(string name, uint uid, uint? gid = null, params uint[] groups)
    {
        var primary = gid ?? uid;
        lock (_gate)
        {
            _users[name] = new UnixUser(name, uid, primary, [.. groups.Append(primary).Distinct().Order()], $"/home/{name}");
        }
        return this;
    }

    public void Remove(string name)
    {
        lock (_gate)
        {
            _users.Remove(name);
        }
    }

    public UnixUser? Find(string name)
    {
        lock (_gate)
        {
            return _users.GetValueOrDefault(name);
        }
    }
}
