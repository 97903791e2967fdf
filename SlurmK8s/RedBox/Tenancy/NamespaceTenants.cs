namespace SlurmK8s.RedBox.Tenancy;

/// <summary>The tenants one namespace's pods map to: by service account, and for every other service account (if any).</summary>
internal sealed record NamespaceTenants(IReadOnlyDictionary<string, Tenant> ByServiceAccount, Tenant? AnyServiceAccount);
