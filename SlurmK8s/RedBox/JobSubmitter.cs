using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using SlurmK8s.Os;
using SlurmK8s.RedBox.Scoping;
using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.Slurm;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.RedBox;

/// <summary>The outcome of a submission: the job, whether the key had made it before, and the directory it runs in.</summary>

/// <summary>
/// Submits batch scripts as the caller's tenant, at most one Slurm job per idempotency key within the caller's scope
/// (<see cref="CallScope.ScopedKey"/>: the same key from another tenant or another SlurmJob is another job).
/// Fast path: the journal answers, and one squeue confirms that Slurm still has that job under this key (slurmctld can
/// lose jobs it had not yet saved when it is killed, and give their ids again): one it lost is submitted again. The scoped key is also stored in the job's comment, so that when the
/// journal is lost (or red-box died between sbatch and the journal write) <see cref="RecoverAsync"/> finds it again in
/// squeue and accounting. Until a recovery has succeeded, and for keys whose sbatch ended ambiguously, a journal miss
/// asks Slurm before submitting.
/// </summary>
internal sealed partial class JobSubmitter(ISlurmClient slurm, IdempotencyJournal journal, JobSubmitterOptions options, ILogger<JobSubmitter> logger)
{
    // Same-key submissions are serialized; different keys never wait for each other.
    private readonly KeyedLock _keys = new();
    private readonly HashSet<string> _uncertain = new(StringComparer.Ordinal);
    private volatile bool _recovered;

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex ValidKey();

    public async Task<SubmitOutcome> SubmitAsync(string script, string? partition, string? key, CallScope scope, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(script))
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, "script is empty: pass the batch script's text");
        }
        if (ScriptLimits.Refusal(script) is { } tooLarge)
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, tooLarge);
        }
        if (!script.StartsWith("#!", StringComparison.Ordinal))
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument,
                "script must start with '#!' and an interpreter (e.g. '#!/bin/sh'), as sbatch requires");
        }
        if (string.IsNullOrEmpty(key))
        {
            var unkeyed = scope.JobDirectory(null);
            return new SubmitOutcome(await SubmitNowAsync(script, partition, null, unkeyed, scope, cancellationToken).ConfigureAwait(false), false, unkeyed);
        }
        if (!ValidKey().IsMatch(key))
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument,
                "idempotency_key must be 1-128 characters of [A-Za-z0-9._:-] (a Kubernetes UID fits)");
        }

        var scoped = scope.ScopedKey(key);
        var workDir = scope.JobDirectory(key);
        using (await _keys.AcquireAsync(scoped, cancellationToken).ConfigureAwait(false))
        {
            long? lost = null;
            if (journal.TryGet(scoped, out var known))
            {
                if (await StillHasAsync(known, key, scope, cancellationToken).ConfigureAwait(false))
                {
                    return new SubmitOutcome(known, true, workDir);
                }
                // slurmctld lost it (killed before it saved the job; it may even have given the id to another job since):
                // nothing will ever run or report it, so the key's job is submitted again.
                LogLostBySlurm(known, scoped);
                lost = known;
            }
            if (lost is null && (!_recovered || IsUncertain(scoped)))
            {
                await RecoverAsync(cancellationToken).ConfigureAwait(false);
                if (journal.TryGet(scoped, out known))
                {
                    return new SubmitOutcome(known, true, workDir);
                }
            }

            long jobId;
            try
            {
                jobId = await SubmitNowAsync(script, partition, scoped, workDir, scope, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException || e is SlurmException { Kind: SlurmErrorKind.Unavailable or SlurmErrorKind.Internal })
            {
                // sbatch may have created the job before failing to answer: ask Slurm before the next try.
                MarkUncertain(scoped);
                throw;
            }
            LogSubmitted(jobId, scope.Tenant.Name, scope.Tenant.User.Name, scoped);
            try
            {
                await (lost is null ? journal.RecordAsync(scoped, jobId) : journal.ReplaceAsync(scoped, jobId)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new SlurmException(SlurmErrorKind.Internal,
                    $"Slurm job {jobId} was submitted, but the idempotency journal {journal.Path} could not be written ({e.Message}): " +
                    "fix the state directory; meanwhile a retry with the same key returns this job");
            }
            return new SubmitOutcome(jobId, false, workDir);
        }
    }

    /// <summary>
    /// Checks the script against the tenant's allowances, makes the job's directory as the tenant's user (so it is
    /// theirs) and runs sbatch as that user from it. Only a submission that is really made is checked: a key's job
    /// made earlier is returned as it is, even after the tenancy file narrowed what its tenant may ask for.
    /// </summary>
    private async Task<long> SubmitNowAsync(string script, string? partition, string? scopedKey, string workDir, CallScope scope,
        CancellationToken cancellationToken)
    {
        var submission = TenantPolicy.Check(script, partition, scope.Tenant);
        try
        {
            FileSystemIdentity.As(scope.User, () => Directory.CreateDirectory(workDir, JobDirectoryMode));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SlurmException(SlurmErrorKind.FailedPrecondition,
                $"the job directory {workDir} could not be made as {scope.User.Name} ({e.Message}): the work root {scope.Tenant.WorkRoot} must exist and belong to {scope.User.Name}");
        }
        return await slurm.SubmitAsync(new BatchSubmission(script, workDir)
        {
            Partition = submission.Partition,
            Account = submission.Account,
            Qos = submission.Qos,
            Comment = scopedKey is null ? null : CallScope.CommentPrefix + scopedKey,
            RunAs = scope.User,
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether Slurm still has the key's job (<see cref="CallScope.MadeBy"/>): squeue, else accounting, shows the id on a
    /// job of this caller's tenant user marked with this key. A job unknown to both was lost by slurmctld; the id on anyone
    /// else's job, or on one marked otherwise, was given to another job since. Without accounting a finished job leaves
    /// squeue after MinJobAge, so there an unknown id is kept (it may have run).
    /// </summary>
    private async Task<bool> StillHasAsync(long jobId, string key, CallScope scope, CancellationToken cancellationToken)
    {
        var queued = (await slurm.QueueAsync([jobId], cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Concerns(jobId));
        if (queued is not null)
        {
            return scope.MadeBy(key, queued);
        }
        var site = await options.SiteAsync(cancellationToken).ConfigureAwait(false);
        if (!site.AccountingEnabled)
        {
            return true;
        }
        var accounted = (await slurm.AccountingAsync([jobId], cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Concerns(jobId));
        return accounted is not null && scope.MadeBy(key, accounted, commentsKept: site.StoresJobComment);
    }

    private const UnixFileMode JobDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>The job this caller's key made, from the journal (nothing another scope's key made is found).</summary>
    public bool TryFind(string key, CallScope scope, out long jobId) => journal.TryGet(scope.ScopedKey(key), out jobId);

    /// <summary>
    /// Finds the keys of jobs already in Slurm (squeue, and accounting over the recovery window) and journals any missing.
    /// A comment is believed only on a job of the user of the tenant it names: anyone can write any comment on their own job.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        // Only keys already uncertain before Slurm is read are settled by this read.
        string[] settled;
        lock (_uncertain)
        {
            settled = [.. _uncertain];
        }
        var tenants = options.Tenants().ToDictionary(t => t.Name, StringComparer.Ordinal);
        var users = tenants.Values.Select(t => t.User.Name).Distinct(StringComparer.Ordinal).ToList();
        var rows = new List<JobRecord>(await slurm.QueueOfUsersAsync(users, cancellationToken).ConfigureAwait(false));
        if ((await options.SiteAsync(cancellationToken).ConfigureAwait(false)).AccountingEnabled)
        {
            rows.AddRange(await slurm.AccountingOfUsersSinceAsync(users, DateTimeOffset.UtcNow - options.RecoveryWindow, cancellationToken).ConfigureAwait(false));
        }
        // The id users know: the array's id for array tasks; the first job if a key was ever used twice.
        var missing = rows.Where(r => IsMarkedByItsTenant(r, tenants))
            .GroupBy(r => r.Comment[CallScope.CommentPrefix.Length..], StringComparer.Ordinal)
            .Where(group => !journal.TryGet(group.Key, out _))
            .Select(group => KeyValuePair.Create(group.Key, group.Min(r => r.ArrayJobId ?? r.JobId)))
            .ToList();
        await journal.RecordAsync(missing).ConfigureAwait(false);
        var found = missing.Count;
        lock (_uncertain)
        {
            _uncertain.ExceptWith(settled);
        }
        _recovered = true;
        LogRecovered(found, journal.Count);
    }

    private static bool IsMarkedByItsTenant(JobRecord row, Dictionary<string, Tenant> tenants)
    {
        if (!row.Comment.StartsWith(CallScope.CommentPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var tenantName = row.Comment[CallScope.CommentPrefix.Length..].Split('.')[0];
        return tenants.TryGetValue(tenantName, out var tenant) && string.Equals(tenant.User.Name, row.User, StringComparison.Ordinal);
    }

    private bool IsUncertain(string key)
    {
        lock (_uncertain)
        {
            return _uncertain.Contains(key);
        }
    }

    private void MarkUncertain(string key)
    {
        lock (_uncertain)
        {
            _uncertain.Add(key);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Submitted Slurm job {JobId} for tenant {Tenant} as {User}, key {Key}")]
    private partial void LogSubmitted(long jobId, string tenant, string user, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slurm job {JobId} of key {Key} is no longer Slurm's (slurmctld lost it, or gave its id to another job): submitting the key's job again")]
    private partial void LogLostBySlurm(long jobId, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Idempotency journal recovered from Slurm: {Found} key(s) found in Slurm, {Total} known")]
    private partial void LogRecovered(int found, int total);
}

/// <param name="Tenants">The tenants of the tenancy file now (whose users' jobs recovery reads).</param>
internal sealed record JobSubmitterOptions(TimeSpan RecoveryWindow, Func<CancellationToken, Task<ClusterConfig>> SiteAsync, Func<IEnumerable<Tenant>> Tenants);
