using SlurmK8s.Os;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>
/// Checks one deserialized tenancy file and builds its map; the first problem found is thrown, naming its field, its
/// line and the fix. One instance per parse.
/// </summary>
internal sealed class TenancyValidator(string yaml, string path, IUserDatabase users, RedBoxIdentity? redBox)
{
    private const uint Nobody = 65534;

    private readonly List<Tenant> _tenants = [];
    private readonly Dictionary<string, int> _tenantIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string? ServiceAccount), (Tenant Tenant, string Field)> _claims = [];

    private string UserSource => users.Sources.Count > 0 ? users.Sources[0] : "the user database";

    public TenancyMap Validate(TenancyFileYaml file)
    {
        var minimumUid = MinimumUid(file.MinimumUid);
        var tenants = file.Tenants ?? [];
        for (var i = 0; i < tenants.Count; i++)
        {
            AddTenant(tenants[i], $"tenants[{i}]", minimumUid);
        }
        var defaultTenant = string.IsNullOrEmpty(file.DefaultTenant) ? null : TenantNamed(file.DefaultTenant, "defaultTenant");
        var hostCallers = HostCallers(file.HostCallers ?? []);
        return new TenancyMap(path, minimumUid, _tenants, Namespaces(), defaultTenant, hostCallers);
    }

    private uint MinimumUid(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return TenancyFile.DefaultMinimumUid;
        }
        return uint.TryParse(raw, out var value)
            ? value
            : throw Fail("minimumUid", $"'{TenancyNames.Show(raw)}' is not a uid: write a whole number (the default is {TenancyFile.DefaultMinimumUid})");
    }

    private void AddTenant(TenantYaml? entry, string field, uint minimumUid)
    {
        if (entry is null)
        {
            throw Fail(field, "an empty entry: give it name, user, account and workRoot, or remove the '-'");
        }
        var name = Required(entry.Name, $"{field}.name", "every tenant needs a name (defaultTenant and hostCallers refer to it)");
        if (TenancyNames.TenantProblem(name) is { } nameProblem)
        {
            throw Fail($"{field}.name", nameProblem);
        }
        if (_tenantIndex.TryGetValue(name, out var earlier))
        {
            throw Fail($"{field}.name", $"tenant {name} is already defined at tenants[{earlier}]: tenant names must be distinct; rename or merge one");
        }
        var user = User(entry.User, $"{field}.user", minimumUid);
        if (_tenants.FirstOrDefault(t => t.User.Uid == user.Uid) is { } sharing)
        {
            throw Fail($"{field}.user", $"user {user.Name} (uid {user.Uid}) already runs tenant {sharing.Name}'s jobs: each tenant needs its own Unix user, "
                + "or either's jobs could read and cancel the other's; create a user for this tenant (or make the two one tenant)");
        }
        var account = Required(entry.Account, $"{field}.account", "name the Slurm account this tenant's jobs are charged to (sbatch --account)");
        if (TenancyNames.SlurmNameProblem(account, "account") is { } accountProblem)
        {
            throw Fail($"{field}.account", accountProblem);
        }
        var partitions = SlurmNames(entry.Partitions, $"{field}.partitions", "partition");
        var qos = SlurmNames(entry.Qos, $"{field}.qos", "QoS");
        var workRoot = WorkRoot(entry.WorkRoot, $"{field}.workRoot", name);
        var tenant = new Tenant(name, user, account, partitions, qos, workRoot);
        _tenantIndex[name] = _tenants.Count;
        _tenants.Add(tenant);
        var namespaces = entry.Namespaces ?? [];
        for (var i = 0; i < namespaces.Count; i++)
        {
            AddNamespace(namespaces[i], $"{field}.namespaces[{i}]", tenant);
        }
    }

    private UnixUser User(string? raw, string field, uint minimumUid)
    {
        var name = Required(raw, field, "name the Unix user this tenant's jobs run as");
        UnixUser? user;
        try
        {
            user = users.Find(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(field, $"cannot look up user {TenancyNames.Show(name)}: {e.Message}");
        }
        if (user is null)
        {
            throw Fail(field, name.All(char.IsAsciiDigit)
                ? $"'{name}' is a number: write the user's name as {UserSource} spells it, not its uid"
                : $"there is no user {TenancyNames.Show(name)} in {UserSource}: create it (useradd) or name an existing user "
                    + "(red-box reads the files, not NSS: a user that only LDAP or SSSD knows must be added there)");
        }
        if (user.Uid == uint.MaxValue || user.Gid == uint.MaxValue || user.Groups.Contains(uint.MaxValue))
        {
            // setuid/setgid(-1) leave the id unchanged: the job would keep red-box's own.
            throw Fail(field, $"user {name} has id 4294967295 (-1), which setuid and setgid read as 'unchanged': give the user a real uid and group");
        }
        if (user.Uid == Nobody || user.Gid == Nobody)
        {
            throw Fail(field, $"user {name} is the overflow user or group {Nobody} (nobody/nogroup), which unrelated services and NFS share: "
                + "map the tenant to a user of its own");
        }
        if (user.Uid == 0)
        {
            throw Fail(field, $"user {name} is root (uid 0): jobs never run as root; map the tenant to an unprivileged user of its own");
        }
        if (user.Uid < minimumUid)
        {
            throw Fail(field, $"user {name} has uid {user.Uid}, below minimumUid {minimumUid}: system accounts do not run jobs; "
                + $"map the tenant to a regular user, or lower minimumUid if this site's users start lower");
        }
        if (user.Gid == 0)
        {
            throw Fail(field, $"user {name} has group 0 (root) as its primary group: its jobs would run in root's group; give the user a group of its own");
        }
        if (user.Groups.Contains(0u))
        {
            throw Fail(field, $"user {name} is a member of group 0 (root) in /etc/group: its jobs would run in root's group; remove it from that group");
        }
        if (redBox is { } own)
        {
            if (user.Uid == own.Uid)
            {
                throw Fail(field, $"user {name} (uid {user.Uid}) is the user red-box runs as: a job running as red-box could rewrite its journal and state; "
                    + "map the tenant to a dedicated job user");
            }
            if (user.Groups.Contains(own.Gid))
            {
                throw Fail(field, $"user {name} is in red-box's group (gid {own.Gid}): its jobs could reach red-box's state; "
                    + "remove the user from that group or map the tenant to another user");
            }
            if (own.SocketGid is { } socketGid && user.Groups.Contains(socketGid))
            {
                throw Fail(field, $"user {name} is in red-box's socket group (gid {socketGid}): its jobs could call red-box directly; "
                    + "remove the user from that group or map the tenant to another user");
            }
        }
        return user;
    }

    private List<string> SlurmNames(List<string?>? raw, string field, string what)
    {
        var names = new List<string>();
        for (var i = 0; i < (raw?.Count ?? 0); i++)
        {
            var name = raw![i] ?? "";
            if (TenancyNames.SlurmNameProblem(name, what) is { } problem)
            {
                throw Fail($"{field}[{i}]", problem);
            }
            if (!names.Contains(name, StringComparer.Ordinal))
            {
                names.Add(name);
            }
        }
        return names;
    }

    private string WorkRoot(string? raw, string field, string tenant)
    {
        var text = Required(raw, field, $"give the directory this tenant's jobs run under, e.g. /var/lib/slurmk8s/tenants/{tenant}");
        if (!text.StartsWith('/'))
        {
            throw Fail(field, $"'{TenancyNames.Show(text)}' is not an absolute path: write it from /, e.g. /var/lib/slurmk8s/tenants/{tenant}");
        }
        if (text.Any(char.IsControl))
        {
            throw Fail(field, $"'{TenancyNames.Show(text)}' contains a control character: write a plain path");
        }
        var segments = text.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s is "." or ".."))
        {
            throw Fail(field, $"'{text}' contains '.' or '..': write the directory plainly, without '.' or '..' parts");
        }
        if (segments.Length == 0)
        {
            throw Fail(field, $"'{text}' is the whole file system: give the tenant a directory of its own, e.g. /var/lib/slurmk8s/tenants/{tenant}");
        }
        var root = "/" + string.Join('/', segments);
        foreach (var other in _tenants)
        {
            var relation = root == other.WorkRoot ? "is also"
                : root.StartsWith(other.WorkRoot + "/", StringComparison.Ordinal) ? "lies inside"
                : other.WorkRoot.StartsWith(root + "/", StringComparison.Ordinal) ? "contains"
                : null;
            if (relation is not null)
            {
                throw Fail(field, $"'{root}' {relation} tenant {other.Name}'s workRoot {other.WorkRoot}: either's jobs could then reach the other's files; "
                    + "give each tenant a directory of its own, neither inside the other");
            }
        }
        return root;
    }

    private void AddNamespace(NamespaceEntryYaml? entry, string field, Tenant tenant)
    {
        if (entry is null)
        {
            throw Fail(field, "an empty entry: write '- namespace: NAME', or remove the '-'");
        }
        var ns = Required(entry.Namespace, $"{field}.namespace", "name the Kubernetes namespace whose pods act as this tenant");
        if (TenancyNames.NamespaceProblem(ns) is { } nsProblem)
        {
            throw Fail($"{field}.namespace", nsProblem);
        }
        if (entry.ServiceAccounts is null)
        {
            Claim(ns, null, field, tenant);
            return;
        }
        if (entry.ServiceAccounts.Count == 0)
        {
            throw Fail($"{field}.serviceAccounts", "an empty list admits no pod: list the service accounts, or remove the key to admit every service account of the namespace");
        }
        for (var i = 0; i < entry.ServiceAccounts.Count; i++)
        {
            var account = entry.ServiceAccounts[i] ?? "";
            if (TenancyNames.ServiceAccountProblem(account) is { } accountProblem)
            {
                throw Fail($"{field}.serviceAccounts[{i}]", accountProblem);
            }
            Claim(ns, account, $"{field}.serviceAccounts[{i}]", tenant);
        }
    }

    private void Claim(string ns, string? serviceAccount, string field, Tenant tenant)
    {
        if (_claims.TryGetValue((ns, serviceAccount), out var earlier))
        {
            var what = serviceAccount is null ? $"namespace {ns} (all its service accounts)" : $"service account {serviceAccount} of namespace {ns}";
            throw Fail(field, $"{what} is already mapped at {earlier.Field} (tenant {earlier.Tenant.Name}): a pod maps to one tenant; remove one of the two");
        }
        _claims[(ns, serviceAccount)] = (tenant, field);
    }

    private Dictionary<string, NamespaceTenants> Namespaces() =>
        _claims.GroupBy(c => c.Key.Namespace, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => new NamespaceTenants(
                g.Where(c => c.Key.ServiceAccount is not null).ToDictionary(c => c.Key.ServiceAccount!, c => c.Value.Tenant, StringComparer.Ordinal),
                g.FirstOrDefault(c => c.Key.ServiceAccount is null).Value.Tenant),
            StringComparer.Ordinal);

    private Dictionary<uint, Tenant> HostCallers(List<HostCallerYaml?> entries)
    {
        var callers = new Dictionary<uint, (Tenant Tenant, int Index)>();
        for (var i = 0; i < entries.Count; i++)
        {
            var field = $"hostCallers[{i}]";
            var entry = entries[i] ?? throw Fail(field, "an empty entry: give it uid and tenant, or remove the '-'");
            var raw = Required(entry.Uid, $"{field}.uid", "give the uid of the host process that may call");
            if (!uint.TryParse(raw, out var uid))
            {
                throw Fail($"{field}.uid", $"'{TenancyNames.Show(raw)}' is not a uid: write a whole number (`id -u USER` prints it)");
            }
            if (callers.TryGetValue(uid, out var earlier))
            {
                throw Fail($"{field}.uid", $"uid {uid} is already listed at hostCallers[{earlier.Index}] (tenant {earlier.Tenant.Name}): a caller acts as one tenant; remove one of the two");
            }
            var name = Required(entry.Tenant, $"{field}.tenant", "name the tenant this uid acts as");
            callers[uid] = (TenantNamed(name, $"{field}.tenant"), i);
        }
        return callers.ToDictionary(c => c.Key, c => c.Value.Tenant);
    }

    private Tenant TenantNamed(string name, string field)
    {
        if (_tenantIndex.TryGetValue(name, out var index))
        {
            return _tenants[index];
        }
        var known = _tenants.Count == 0 ? "the file defines none; add one under tenants" : "name one of " + string.Join(", ", _tenants.Select(t => t.Name));
        throw Fail(field, $"there is no tenant {TenancyNames.Show(name)}: {known}");
    }

    private string Required(string? value, string field, string fix) =>
        string.IsNullOrWhiteSpace(value) ? throw Fail(field, $"missing: {fix}") : value;

    private TenancyFileException Fail(string field, string problem) => new(path, field, YamlLocator.LineOf(yaml, field), problem);
}
