using Microsoft.Extensions.Logging;
using SlurmK8s.Kube;

namespace SlurmK8s.ControllerRuntime.LeaderElection;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease, ours because KubernetesClient.Aot 21.0.8 does not ship
/// k8s.LeaderElection. client-go's algorithm: acquire by create or by an update carrying the read resourceVersion
/// (optimistic concurrency), renew every retry period, and stop acting — cancel the work's token — as soon as a renewal
/// has not succeeded for the renew deadline, which is shorter than the lease duration the others wait before they
/// take over. So two replicas never act at once unless their clocks run at very different rates.
/// </summary>
internal sealed partial class LeaderElector(ILeaseClient leases, LeaderElectionOptions options, ILogger<LeaderElector> logger, TimeProvider? timeProvider = null)
{
    private const double JitterFactor = 0.2;

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ExponentialBackoff _acquirePause = ExponentialBackoff.Jittered(options.RetryPeriod, JitterFactor);
    private LeaseRecord? _observed;
    private long _observedAt;
    private long _renewedAt;
    private volatile bool _isLeader;

    private enum Attempt
    {
        Held,
        HeldByOther,
        Failed,
    }

    /// <summary>True from acquiring the lease until the work's token is cancelled.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>The holder in the lease as last read (for logs and status).</summary>
    public string? ObservedHolder => _observed?.HolderIdentity;

    /// <summary>
    /// Waits to acquire the lease, then runs <paramref name="whileLeading"/> with a token that is cancelled the moment
    /// leadership ends, and keeps renewing. Returns why leadership ended, after the work has stopped (or did not stop within
    /// the renew deadline). On cancellation, and when the work returns on its own, the lease is released so another replica
    /// takes over at once. If the work throws (other than by cancellation) the exception is rethrown after the release.
    /// </summary>
    public async Task<LeadershipEnd> RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        options.Validate();
        if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            return LeadershipEnd.Cancelled;
        }
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _isLeader = true;
        LogLeading(logger, options.Namespace, options.LeaseName, options.Identity);
        var work = Task.Run(() => whileLeading(leading.Token), CancellationToken.None);

        var end = await RenewAsync(work, cancellationToken).ConfigureAwait(false);

        await leading.CancelAsync().ConfigureAwait(false);
        _isLeader = false;
        var stopped = await Task.WhenAny(work, Task.Delay(options.RenewDeadline, _time, CancellationToken.None)).ConfigureAwait(false) == work;
        if (!stopped)
        {
            LogWorkDidNotStop(logger, options.RenewDeadline);
        }
        else if (end == LeadershipEnd.WorkCompleted || (end == LeadershipEnd.Cancelled && options.ReleaseOnCancel))
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
        LogEnded(logger, options.Namespace, options.LeaseName, end);
        if (work.IsFaulted)
        {
            await work.ConfigureAwait(false); // rethrows the work's own exception
        }
        return end;
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(options.RenewDeadline, cancellationToken).ConfigureAwait(false) == Attempt.Held)
            {
                return true;
            }
            await WaitAsync(_acquirePause.Delay(1, Random.Shared.NextDouble()), null, cancellationToken).ConfigureAwait(false);
        }
        return false;
    }

    private async Task<LeadershipEnd> RenewAsync(Task work, CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitAsync(options.RetryPeriod, work, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return LeadershipEnd.Cancelled;
                }
                if (work.IsCompleted)
                {
                    return LeadershipEnd.WorkCompleted;
                }
                var remaining = options.RenewDeadline - _time.GetElapsedTime(_renewedAt);
                if (remaining <= TimeSpan.Zero)
                {
                    LogRenewDeadlinePassed(logger, options.Namespace, options.LeaseName, options.RenewDeadline);
                    return LeadershipEnd.Lost;
                }
                var attempt = await TryAcquireOrRenewAsync(remaining, cancellationToken).ConfigureAwait(false);
                if (attempt == Attempt.Held)
                {
                    break;
                }
                if (attempt == Attempt.HeldByOther)
                {
                    LogTakenOver(logger, options.Namespace, options.LeaseName, ObservedHolder);
                    return LeadershipEnd.Lost;
                }
                await WaitAsync(Min(options.RetryPeriod, remaining), work, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One read and, if the plan says so, one write; never throws (failures are logged and retried).</summary>
    private async Task<Attempt> TryAcquireOrRenewAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        call.CancelAfter(timeout);
        try
        {
            var current = await leases.GetAsync(options.Namespace, options.LeaseName, call.Token).ConfigureAwait(false);
            if (current is not null)
            {
                Observe(current);
            }
            var plan = LeasePlanner.Plan(current, options.Identity, options.LeaseDuration, _time.GetElapsedTime(_observedAt), _time.GetUtcNow());
            if (plan is null)
            {
                return Attempt.HeldByOther;
            }
            var written = current is null
                ? await leases.CreateAsync(options.Namespace, options.LeaseName, plan, call.Token).ConfigureAwait(false)
                : await leases.UpdateAsync(options.Namespace, options.LeaseName, plan, call.Token).ConfigureAwait(false);
            Observe(written);
            _renewedAt = started; // the lease was renewed no earlier than the attempt began
            return Attempt.Held;
        }
        catch (LeaseConflictException e)
        {
            LogConflict(logger, options.Namespace, options.LeaseName, e.Message);
            return Attempt.Failed;
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogCallFailed(logger, options.Namespace, options.LeaseName, Describe(e));
            return Attempt.Failed;
        }
        catch (OperationCanceledException)
        {
            return Attempt.Failed;
        }
    }

    private async Task ReleaseAsync()
    {
        if (_observed is not { } held || held.HolderIdentity != options.Identity)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(options.RenewDeadline, _time);
        try
        {
            Observe(await leases.UpdateAsync(options.Namespace, options.LeaseName, LeasePlanner.Release(held, _time.GetUtcNow()), timeout.Token)
                .ConfigureAwait(false));
            LogReleased(logger, options.Namespace, options.LeaseName);
        }
        catch (Exception e) when (e is LeaseConflictException or KubeApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            LogReleaseFailed(logger, options.Namespace, options.LeaseName, Describe(e), TimeSpan.FromSeconds(held.LeaseDurationSeconds));
        }
    }

    /// <summary>Remembers the lease as read; the clock for "has it expired" starts when it is first seen changed.</summary>
    private void Observe(LeaseRecord lease)
    {
        if (_observed is { } previous && previous.ResourceVersion == lease.ResourceVersion && lease.ResourceVersion is not null)
        {
            return;
        }
        if (_observed?.HolderIdentity != lease.HolderIdentity && lease.HasHolder && lease.HolderIdentity != options.Identity)
        {
            LogHolder(logger, options.Namespace, options.LeaseName, lease.HolderIdentity);
        }
        _observed = lease;
        _observedAt = _time.GetTimestamp();
    }

    /// <summary>Waits for the delay, the work to end or cancellation, whichever comes first; never throws.</summary>
    private async Task WaitAsync(TimeSpan delay, Task? work, CancellationToken cancellationToken)
    {
        var sleep = Task.Delay(delay, _time, cancellationToken);
        await (work is null ? Task.WhenAny(sleep) : Task.WhenAny(sleep, work)).ConfigureAwait(false);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "timed out",
        _ => e.Message,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading: holding lease {Namespace}/{Lease} as {Identity}")]
    private static partial void LogLeading(ILogger logger, string @namespace, string lease, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lease {Namespace}/{Lease} is held by {Holder}; waiting to take over")]
    private static partial void LogHolder(ILogger logger, string @namespace, string lease, string? holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost lease {Namespace}/{Lease}: not renewed within the renew deadline of {Deadline}")]
    private static partial void LogRenewDeadlinePassed(ILogger logger, string @namespace, string lease, TimeSpan deadline);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost lease {Namespace}/{Lease}: {Holder} holds it now")]
    private static partial void LogTakenOver(ILogger logger, string @namespace, string lease, string? holder);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease {Namespace}/{Lease} changed under us: {Error}")]
    private static partial void LogConflict(ILogger logger, string @namespace, string lease, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Namespace}/{Lease} could not be read or written: {Error}; retrying")]
    private static partial void LogCallFailed(ILogger logger, string @namespace, string lease, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released lease {Namespace}/{Lease}")]
    private static partial void LogReleased(ILogger logger, string @namespace, string lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release lease {Namespace}/{Lease}: {Error}; another replica takes over when it expires ({Duration})")]
    private static partial void LogReleaseFailed(ILogger logger, string @namespace, string lease, string error, TimeSpan duration);

    [LoggerMessage(Level = LogLevel.Error, Message = "The leader's work did not stop within {Timeout} of losing or leaving the lease; the lease is not released")]
    private static partial void LogWorkDidNotStop(ILogger logger, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leadership of {Namespace}/{Lease} ended: {End}")]
    private static partial void LogEnded(ILogger logger, string @namespace, string lease, LeadershipEnd end);
}
