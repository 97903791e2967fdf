using SlurmK8s.Slurm.Sbatch;
using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox.Scoping;

/// <summary>What sbatch is told on its command line for a tenant's script.</summary>
internal sealed record TenantSubmission(string? Partition, string Account, string? Qos);

/// <summary>
/// Checks a script against what the administrator allows its tenant, before anything reaches Slurm: the account is
/// always the tenant's, the partition and QoS (asked for in the request or by the script's #SBATCH lines) must be the
/// tenant's to use. Slurm's own associations check again; this gives the refusal in the tenant's words first.
/// </summary>
internal static class TenantPolicy
{
    public static TenantSubmission Check(string script, string? requestedPartition, Tenant tenant)
    {
        var parsed = SbatchScript.Parse(script);
        if (!parsed.IsValid)
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, parsed.Error.Message);
        }
        var directives = parsed.Directives;
        if (directives.Account is { } account && !string.Equals(account, tenant.Account, StringComparison.Ordinal))
        {
            throw new SlurmException(SlurmErrorKind.PermissionDenied,
                $"the script asks for Slurm account {account}, but tenant {tenant.Name}'s jobs are charged to account {tenant.Account}: remove the --account line (red-box sets it)");
        }
        var partition = string.IsNullOrEmpty(requestedPartition) ? directives.Partition : requestedPartition;
        foreach (var each in (partition ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!tenant.MayUsePartition(each))
            {
                throw new SlurmException(SlurmErrorKind.PermissionDenied,
                    $"tenant {tenant.Name} may not use partition {each}: use one of {string.Join(", ", tenant.Partitions)}, or ask an administrator to add it in the tenancy file");
            }
        }
        if (directives.Qos is { } qos && !tenant.MayUseQos(qos))
        {
            throw new SlurmException(SlurmErrorKind.PermissionDenied,
                $"tenant {tenant.Name} may not use QoS {qos}: use one of {string.Join(", ", tenant.Qos)}, or ask an administrator to add it in the tenancy file");
        }
        // Given on the command line even when the script says the same: there it wins over any #SBATCH line.
        return new TenantSubmission(partition ?? tenant.DefaultPartition, tenant.Account, directives.Qos ?? (tenant.Qos.Count > 0 ? tenant.Qos[0] : null));
    }
}
