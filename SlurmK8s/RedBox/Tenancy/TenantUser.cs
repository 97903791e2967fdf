namespace SlurmK8s.RedBox.Tenancy;

/// <summary>
/// The Unix user a tenant's jobs run as, resolved when the tenancy file is loaded: what red-box hands to
/// setgroups/setgid/setuid before it execs sbatch.
/// </summary>
/// <param name="Groups">Every group the user is in, its primary group included, in ascending order.</param>
internal sealed record TenantUser(string Name, uint Uid, uint Gid, IReadOnlyList<uint> Groups, string Home);
