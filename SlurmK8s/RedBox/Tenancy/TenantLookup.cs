using System.Diagnostics.CodeAnalysis;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>The tenant a caller acts as, or why it has none (a sentence for PERMISSION_DENIED, naming the file and the fix).</summary>
internal sealed record TenantLookup
{
    private TenantLookup(Tenant? tenant, string? refusal)
    {
        Tenant = tenant;
        Refusal = refusal;
    }

    public Tenant? Tenant { get; }

    public string? Refusal { get; }

    [MemberNotNullWhen(true, nameof(Tenant))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool IsFound => Tenant is not null;

    public static TenantLookup Found(Tenant tenant) => new(tenant, null);

    public static TenantLookup Refused(string refusal) => new(null, refusal);
}
