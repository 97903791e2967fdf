namespace SlurmK8s.Os;

/// <summary>A Unix account as the submit host knows it: what a process run as this user gets (ids, groups, home).</summary>
internal sealed record UnixUser(string Name, uint Uid, uint Gid, IReadOnlyList<uint> Groups, string Home)
{
    public override string ToString() => $"{Name} (uid {Uid})";
}
