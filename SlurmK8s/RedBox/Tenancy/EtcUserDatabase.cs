namespace SlurmK8s.RedBox.Tenancy;

/// <summary>
/// Users from /etc/passwd and their groups from /etc/group, read afresh on every lookup. Not through NSS (getpwnam):
/// a Slurm submit host keeps its job users in these files (Slurm needs the same users on every node, and sites
/// provision them there), and reading them needs no native NSS modules in an AOT binary. A user that only LDAP or
/// SSSD knows is not found, and the error says so.
/// </summary>
internal sealed class EtcUserDatabase(string passwdPath = "/etc/passwd", string groupPath = "/etc/group") : IUserDatabase
{
    public IReadOnlyList<string> Sources { get; } = [passwdPath, groupPath];

    public TenantUser? Find(string name)
    {
        var passwd = File.ReadAllText(passwdPath);
        string group;
        try
        {
            group = File.ReadAllText(groupPath);
        }
        catch (FileNotFoundException)
        {
            group = ""; // the user then has its primary group only
        }
        return FindIn(passwd, group, name);
    }

    /// <summary>
    /// The user <paramref name="name"/> in a passwd text (`name:x:uid:gid:gecos:home:shell`), with every group of the
    /// group text (`name:x:gid:member,member`) that lists it, plus its primary group. The first entry of a name wins,
    /// as getpwnam's does; NIS `+`/`-` lines and comments are skipped.
    /// </summary>
    public static TenantUser? FindIn(string passwd, string group, string name)
    {
        if (name.Length == 0)
        {
            return null;
        }
        foreach (var line in Lines(passwd))
        {
            var fields = line.Split(':');
            if (fields.Length < 7 || !string.Equals(fields[0], name, StringComparison.Ordinal))
            {
                continue;
            }
            if (!uint.TryParse(fields[2], out var uid) || !uint.TryParse(fields[3], out var gid))
            {
                return null;
            }
            var groups = new SortedSet<uint> { gid };
            foreach (var groupLine in Lines(group))
            {
                var groupFields = groupLine.Split(':');
                if (groupFields.Length >= 4 && uint.TryParse(groupFields[2], out var groupId)
                    && groupFields[3].Split(',').Contains(name, StringComparer.Ordinal))
                {
                    groups.Add(groupId);
                }
            }
            return new TenantUser(name, uid, gid, [.. groups], fields[5]);
        }
        return null;

        static IEnumerable<string> Lines(string text) =>
            text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && l[0] is not ('#' or '+' or '-'));
    }
}
