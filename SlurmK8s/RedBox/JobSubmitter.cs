using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox;

/// <summary>The outcome of a submission.</summary>
internal sealed record SubmitOutcome(long JobId, bool AlreadySubmitted);

/// <summary>
/// Submits batch scripts, at most one Slurm job per idempotency key.
/// Fast path: the journal answers with no Slurm query. The key is also stored in the job's comment, so that when the
/// journal is lost (or red-box died between sbatch and the journal write) <see cref="RecoverAsync"/> finds it again in
/// squeue and accounting. Until a recovery has succeeded, and for keys whose sbatch ended ambiguously, a journal miss
/// asks Slurm before submitting.
/// </summary>
internal sealed partial class JobSubmitter(ISlurmClient slurm, IdempotencyJournal journal, JobSubmitterOptions options, ILogger<JobSubmitter> logger)
{
    public const string CommentPrefix = "slurmk8s-key=";

    // Same-key submissions are serialized; different keys never wait for each other.
    private readonly KeyedLock _keys = new();
    private readonly HashSet<string> _uncertain = new(StringComparer.Ordinal);
    private volatile bool _recovered;

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex ValidKey();

    public bool IsRecovered => _recovered;

    public async Task<SubmitOutcome> SubmitAsync(string script, string? partition, string? key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(script))
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument, "script is empty: pass the batch script's text");
        }
        if (!script.StartsWith("#!", StringComparison.Ordinal))
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument,
                "script must start with '#!' and an interpreter (e.g. '#!/bin/sh'), as sbatch requires");
        }
        if (string.IsNullOrEmpty(key))
        {
            return new SubmitOutcome(await slurm.SubmitAsync(script, partition, null, options.WorkDir, cancellationToken).ConfigureAwait(false), false);
        }
        if (!ValidKey().IsMatch(key))
        {
            throw new SlurmException(SlurmErrorKind.InvalidArgument,
                "idempotency_key must be 1-128 characters of [A-Za-z0-9._:-] (a Kubernetes UID fits)");
        }

        using (await _keys.AcquireAsync(key, cancellationToken).ConfigureAwait(false))
        {
            if (journal.TryGet(key, out var known))
            {
                return new SubmitOutcome(known, true);
            }
            if (!_recovered || IsUncertain(key))
            {
                await RecoverAsync(cancellationToken).ConfigureAwait(false);
                if (journal.TryGet(key, out known))
                {
                    return new SubmitOutcome(known, true);
                }
            }

            long jobId;
            try
            {
                jobId = await slurm.SubmitAsync(script, partition, CommentPrefix + key, options.WorkDir, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException || e is SlurmException { Kind: SlurmErrorKind.Unavailable or SlurmErrorKind.Internal })
            {
                // sbatch may have created the job before failing to answer: ask Slurm before the next try.
                MarkUncertain(key);
                throw;
            }
            LogSubmitted(jobId, key);
            try
            {
                await journal.RecordAsync(key, jobId).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new SlurmException(SlurmErrorKind.Internal,
                    $"Slurm job {jobId} was submitted, but the idempotency journal {journal.Path} could not be written ({e.Message}): " +
                    "fix the state directory; meanwhile a retry with the same key returns this job");
            }
            return new SubmitOutcome(jobId, false);
        }
    }

    /// <summary>Finds the keys of jobs already in Slurm (squeue, and accounting over the recovery window) and journals any missing.</summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        // Only keys already uncertain before Slurm is read are settled by this read.
        string[] settled;
        lock (_uncertain)
        {
            settled = [.. _uncertain];
        }
        var rows = new List<JobRecord>(await slurm.OwnQueueAsync(cancellationToken).ConfigureAwait(false));
        if (await options.AccountingEnabledAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.AddRange(await slurm.OwnAccountingSinceAsync(DateTimeOffset.UtcNow - options.RecoveryWindow, cancellationToken).ConfigureAwait(false));
        }
        // The id users know: the array's id for array tasks; the first job if a key was ever used twice.
        var missing = rows.Where(r => r.Comment.StartsWith(CommentPrefix, StringComparison.Ordinal))
            .GroupBy(r => r.Comment[CommentPrefix.Length..], StringComparer.Ordinal)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Submitted Slurm job {JobId} for key {Key}")]
    private partial void LogSubmitted(long jobId, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Idempotency journal recovered from Slurm: {Found} key(s) found in Slurm, {Total} known")]
    private partial void LogRecovered(int found, int total);
}

internal sealed record JobSubmitterOptions(string WorkDir, TimeSpan RecoveryWindow, Func<CancellationToken, Task<bool>> AccountingEnabledAsync);
