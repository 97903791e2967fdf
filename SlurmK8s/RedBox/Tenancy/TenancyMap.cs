using System.Globalization;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>
/// The tenancy file, validated: which tenant a pod (by namespace and service account) or a host process (by uid) acts
/// as. Immutable and pure; built by <see cref="TenancyFile.Parse"/>.
/// </summary>
internal sealed class TenancyMap(string filePath, uint minimumUid, IReadOnlyList<Tenant> tenants,
    IReadOnlyDictionary<string, NamespaceTenants> namespaces, Tenant? defaultTenant, IReadOnlyDictionary<uint, Tenant> hostCallers)
{
    /// <summary>The file it was read from, named in every refusal.</summary>
    public string FilePath { get; } = filePath;

    public uint MinimumUid { get; } = minimumUid;

    /// <summary>In file order; names, users and work roots are distinct.</summary>
    public IReadOnlyList<Tenant> Tenants { get; } = tenants;

    /// <summary>Every namespace the file names.</summary>
    public IReadOnlyDictionary<string, NamespaceTenants> Namespaces { get; } = namespaces;

    /// <summary>The tenant of every namespace the file does not name; null: those are refused.</summary>
    public Tenant? DefaultTenant { get; } = defaultTenant;

    /// <summary>The tenant each listed host uid acts as.</summary>
    public IReadOnlyDictionary<uint, Tenant> HostCallers { get; } = hostCallers;

    /// <summary>
    /// The tenant of a pod: an entry for its namespace that lists its service account; else one for its namespace with
    /// no list; else the default tenant, but only for a namespace the file does not name (a namespace narrowed to some
    /// service accounts stays narrowed).
    /// </summary>
    public TenantLookup ForPod(string @namespace, string serviceAccount)
    {
        if (!Namespaces.TryGetValue(@namespace, out var entries))
        {
            return DefaultTenant is { } fallback
                ? TenantLookup.Found(fallback)
                : TenantLookup.Refused($"namespace {@namespace} is not mapped to a tenant in {FilePath}: "
                    + "an administrator adds it under a tenant's namespaces (or sets defaultTenant)");
        }
        if (entries.ByServiceAccount.TryGetValue(serviceAccount, out var tenant) || (tenant = entries.AnyServiceAccount) is not null)
        {
            return TenantLookup.Found(tenant);
        }
        var allowed = string.Join(", ", entries.ByServiceAccount.Keys.Order(StringComparer.Ordinal));
        return TenantLookup.Refused($"service account {serviceAccount} of namespace {@namespace} is not mapped to a tenant in {FilePath}: "
            + $"only service accounts {allowed} of that namespace are; an administrator adds {serviceAccount} to a serviceAccounts list of "
            + $"namespace {@namespace} (or adds an entry for namespace {@namespace} without serviceAccounts)");
    }

    /// <summary>The tenant of a process on the host (not in a pod), known by its uid only.</summary>
    public TenantLookup ForHost(uint uid) =>
        HostCallers.TryGetValue(uid, out var tenant)
            ? TenantLookup.Found(tenant)
            : TenantLookup.Refused($"uid {uid} (a process on the host, not in a pod) is not listed in {FilePath}: "
                + "an administrator adds it under hostCallers with the tenant it acts as");

    /// <summary>One line for the log: every tenant with its user and account, who maps to it, and the default.</summary>
    public string Summary()
    {
        var parts = Tenants.Select(tenant =>
        {
            var pods = Namespaces.OrderBy(n => n.Key, StringComparer.Ordinal).SelectMany(n => PodsOf(n.Key, n.Value, tenant));
            var hosts = HostCallers.Where(h => h.Value == tenant).Select(h => h.Key).Order().Select(uid => $"host uid {uid}");
            var callers = string.Join(", ", pods.Concat(hosts));
            return $"{tenant.Name} (user {tenant.User.Name} uid {tenant.User.Uid}, account {tenant.Account}) <- {(callers.Length == 0 ? "nobody" : callers)}";
        });
        var count = Tenants.Count.ToString(CultureInfo.InvariantCulture);
        return $"{count} tenant{(Tenants.Count == 1 ? "" : "s")}: {string.Join("; ", parts)}; default tenant: {DefaultTenant?.Name ?? "none (unlisted namespaces are refused)"}";

        static IEnumerable<string> PodsOf(string ns, NamespaceTenants entries, Tenant tenant)
        {
            var accounts = entries.ByServiceAccount.Where(e => e.Value == tenant).Select(e => e.Key).Order(StringComparer.Ordinal).ToList();
            if (accounts.Count > 0)
            {
                yield return $"namespace {ns} (service accounts {string.Join(", ", accounts)})";
            }
            if (entries.AnyServiceAccount == tenant)
            {
                yield return entries.ByServiceAccount.Count > 0 ? $"namespace {ns} (other service accounts)" : $"namespace {ns}";
            }
        }
    }
}
