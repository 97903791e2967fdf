using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.RedBox;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.RedBox;

public sealed class JobStateCacheTests
{
    private FakeSlurm _slurm = null!;
    private JobStateCache _cache = null!;

    [SetUp]
    public void SetUp()
    {
        _slurm = new FakeSlurm();
        _cache = NewCache(_slurm);
    }

    [TearDown]
    public void TearDown() => _cache.Dispose();

    /// <summary>A cache as red-box builds it: it learns whether accounting answers from the cluster's configuration.</summary>
    private static JobStateCache NewCache(FakeSlurm slurm, TimeSpan? pollInterval = null) =>
        new(slurm, new JobStateCacheOptions(pollInterval ?? TimeSpan.FromHours(1), TimeSpan.FromHours(1),
            new SlurmSite(slurm, NullLogger<SlurmSite>.Instance).IsAccountingEnabledAsync), NullLogger<JobStateCache>.Instance);

    private static JobStateCache NewQuickCache(FakeSlurm slurm, TimeSpan quick) =>
        new(slurm, new JobStateCacheOptions(TimeSpan.FromHours(1), TimeSpan.FromHours(1), _ => Task.FromResult(true)) { QuickPollInterval = quick },
            NullLogger<JobStateCache>.Instance);

    private async Task<long> SubmitAsync() => await _slurm.SubmitAsync(new BatchSubmission("#!/bin/sh", "/tmp"), CancellationToken.None);

    /// <summary>Answers a pending GetAsync by running the poll the cache's loop would run.</summary>
    private async Task<IReadOnlyList<JobSnapshot>> GetWithPollAsync(params long[] ids)
    {
        var get = _cache.GetAsync(ids, CancellationToken.None);
        await _cache.PollAsync(CancellationToken.None);
        return await get;
    }

    [Test]
    public async Task Get_WhenJobIsNew_WaitsForOnePollAndReturnsItsState()
    {
        var id = await SubmitAsync();
        _slurm.Set(id, JobState.Running);

        var snapshots = await GetWithPollAsync(id);

        Assert.That(snapshots[0].Job.State, Is.EqualTo(JobState.Running));
        Assert.That(_slurm.QueueCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task Get_WhenJobIsKnown_AnswersFromTheCacheWithoutAskingSlurm()
    {
        var id = await SubmitAsync();
        await GetWithPollAsync(id);

        for (var i = 0; i < 50; i++)
        {
            await _cache.GetAsync([id], CancellationToken.None);
        }

        Assert.That(_slurm.QueueCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task Poll_WithManyJobs_CostsOneSqueue()
    {
        var ids = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add(await SubmitAsync());
        }
        await GetWithPollAsync([.. ids]);
        var before = _slurm.QueueCalls;

        await _cache.PollAsync(CancellationToken.None);

        Assert.That(_slurm.QueueCalls - before, Is.EqualTo(1));
    }

    [Test]
    public async Task Poll_WhenJobLeftSqueue_FallsBackToAccounting()
    {
        var id = await SubmitAsync();
        await GetWithPollAsync(id);
        _slurm.Set(id, JobState.Failed, exitCode: 3);
        _slurm.AgeOut(id);

        await _cache.PollAsync(CancellationToken.None);
        var snapshot = (await _cache.GetAsync([id], CancellationToken.None))[0];

        Assert.That(snapshot.Job.State, Is.EqualTo(JobState.Failed));
        Assert.That(snapshot.Job.ExitCode, Is.EqualTo(3));
    }

    [Test]
    public async Task Poll_WhenJobLeftSqueueWithoutAccounting_SaysUnknownAndWhy()
    {
        _slurm.AccountingEnabled = false;
        var id = await SubmitAsync();
        _slurm.AgeOut(id);

        var snapshot = (await GetWithPollAsync(id))[0];

        Assert.That(snapshot.Job.State, Is.EqualTo(JobState.Unknown));
        Assert.That(snapshot.Job.Reason, Does.Contain("accounting is disabled"));
    }

    [Test]
    public async Task Poll_WhenConfigCouldNotBeReadAtFirst_ReadsItBeforeAskingAccounting()
    {
        _slurm.AccountingEnabled = false;
        var id = await SubmitAsync();
        _slurm.AgeOut(id);
        _slurm.OnConfig = () => throw new SlurmException(SlurmErrorKind.Unavailable, "scontrol failed (exit 1): Unable to contact slurm controller (connect failure)");
        var waiting = _cache.GetAsync([id], CancellationToken.None);

        var failed = await Assert.ThrowsAsync<SlurmException>(() => _cache.PollAsync(CancellationToken.None));
        await Assert.ThrowsAsync<SlurmException>(() => waiting);
        _slurm.OnConfig = null;
        var snapshot = (await GetWithPollAsync(id))[0];

        Assert.That(failed!.Kind, Is.EqualTo(SlurmErrorKind.Unavailable));
        Assert.That(snapshot.Job.State, Is.EqualTo(JobState.Unknown));
        Assert.That(snapshot.Job.Reason, Does.Contain("accounting is disabled"));
        Assert.That(_slurm.AccountingCalls, Is.Zero);
    }

    [Test]
    public async Task Poll_WhenJobFinished_StopsPollingIt()
    {
        var id = await SubmitAsync();
        _slurm.Set(id, JobState.Completed);
        await GetWithPollAsync(id);
        var before = _slurm.QueueCalls;

        await _cache.PollAsync(CancellationToken.None);

        Assert.That(_slurm.QueueCalls, Is.EqualTo(before), "a finished job is final: nothing left to poll");
    }

    [Test]
    public async Task Invalidate_AfterCancel_NextGetSeesTheNewState()
    {
        var id = await SubmitAsync();
        _slurm.Set(id, JobState.Running);
        await GetWithPollAsync(id);
        await _slurm.CancelAsync(id, null, CancellationToken.None);

        _cache.Invalidate(id);
        var snapshot = (await GetWithPollAsync(id))[0];

        Assert.That(snapshot.Job.State, Is.EqualTo(JobState.Cancelled));
    }

    [Test]
    public async Task Watch_StreamsEachChangeAndEndsWhenTheJobFinishes()
    {
        var id = await SubmitAsync();
        var seen = new List<JobState>();
        var watch = Task.Run(async () =>
        {
            await foreach (var snapshot in _cache.WatchAsync([id], CancellationToken.None))
            {
                seen.Add(snapshot.Job.State);
            }
        });
        while (seen.Count == 0)
        {
            await _cache.PollAsync(CancellationToken.None);       // answers the watch's first read: PENDING
            await Task.Delay(10);
        }
        await _cache.PollAsync(CancellationToken.None);           // no change: nothing sent
        _slurm.Set(id, JobState.Running);
        await _cache.PollAsync(CancellationToken.None);
        _slurm.Set(id, JobState.Completed);
        await _cache.PollAsync(CancellationToken.None);

        await watch.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(seen, Is.EqualTo(new[] { JobState.Pending, JobState.Running, JobState.Completed }));
    }

    [Test]
    public async Task Watch_OfManyJobs_SharesOnePollPerInterval()
    {
        var ids = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add(await SubmitAsync());
        }
        using var stop = new CancellationTokenSource();
        var started = 0;
        var watches = ids.Select(id => Task.Run(async () =>
        {
            await foreach (var _ in _cache.WatchAsync([id], stop.Token))
            {
                Interlocked.Increment(ref started);
            }
        })).ToList();
        while (Volatile.Read(ref started) < ids.Count)
        {
            await _cache.PollAsync(CancellationToken.None);
            await Task.Delay(10);
        }
        var before = _slurm.QueueCalls;

        for (var i = 0; i < 5; i++)
        {
            await _cache.PollAsync(CancellationToken.None);
        }

        Assert.That(_slurm.QueueCalls - before, Is.EqualTo(5), "one squeue per poll, whatever the number of watched jobs");
        await stop.CancelAsync();
        Assert.That(async () => await Task.WhenAll(watches), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task Get_WhenSlurmIsDown_FailsWithUnavailable()
    {
        _slurm.OnQueue = () => throw new SlurmException(SlurmErrorKind.Unavailable, "squeue failed (exit 1): Unable to contact slurm controller (connect failure)");
        var get = _cache.GetAsync([1], CancellationToken.None);

        Assert.That(async () => await _cache.PollAsync(CancellationToken.None), Throws.InstanceOf<SlurmException>());
        var error = await Assert.ThrowsAsync<SlurmException>(async () => await get);
        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.Unavailable));
    }

    [Test]
    public async Task Poller_WhenSlurmFailsThenRecovers_KeepsServing()
    {
        var failuresLeft = 2;
        _slurm.OnQueue = () =>
        {
            if (failuresLeft > 0)
            {
                failuresLeft--;
                throw new InvalidOperationException("squeue printed something unexpected");
            }
        };
        using var cache = NewCache(_slurm, TimeSpan.FromMilliseconds(20));
        var id = await SubmitAsync();
        await cache.StartAsync(CancellationToken.None);

        // The first polls fail; a caller retrying gets an answer once Slurm answers again.
        JobSnapshot? snapshot = null;
        for (var attempt = 0; attempt < 20 && snapshot is null; attempt++)
        {
            try
            {
                snapshot = (await cache.GetAsync([id], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)))[0];
            }
            catch (InvalidOperationException)
            {
            }
        }
        await cache.StopAsync(CancellationToken.None);

        Assert.That(snapshot?.Job.State, Is.EqualTo(JobState.Pending));
        Assert.That(failuresLeft, Is.Zero);
    }

    [Test]
    public async Task Watch_WhenAPollFindsSlurmDown_EndsWithUnavailableAndANewWatchStartsOnlyFromAPollThatAnswered()
    {
        var id = await SubmitAsync();
        _slurm.Set(id, JobState.Running);
        var first = new List<JobState>();
        var watch = Task.Run(async () =>
        {
            await foreach (var snapshot in _cache.WatchAsync([id], CancellationToken.None))
            {
                first.Add(snapshot.Job.State);
            }
        });
        while (first.Count == 0)
        {
            await _cache.PollAsync(CancellationToken.None);
            await Task.Delay(10);
        }
        var down = new SlurmException(SlurmErrorKind.Unavailable, "squeue failed (exit 1): Unable to contact slurm controller (connect failure)");
        _slurm.OnQueue = () => throw down;

        Assert.That(async () => await _cache.PollAsync(CancellationToken.None), Throws.InstanceOf<SlurmException>());

        // Not silence, which would read as "still running": the watch ends in Slurm's words.
        var ended = await Assert.ThrowsAsync<SlurmException>(async () => await watch.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.That((ended!.Kind, ended.Message), Is.EqualTo((SlurmErrorKind.Unavailable, down.Message)));
        // A watch started now does not answer from the (maybe stale) cache: it waits for the next poll, and gets its failure.
        var second = new List<JobState>();
        var rewatch = Task.Run(async () =>
        {
            await foreach (var snapshot in _cache.WatchAsync([id], CancellationToken.None))
            {
                second.Add(snapshot.Job.State);
            }
        });
        await Task.Delay(50);
        Assert.That(second, Is.Empty, "nothing from the cache while Slurm is down");
        Assert.That(async () => await _cache.PollAsync(CancellationToken.None), Throws.InstanceOf<SlurmException>());
        await Assert.ThrowsAsync<SlurmException>(async () => await rewatch.WaitAsync(TimeSpan.FromSeconds(5)));
        // Slurm answers again: a new watch starts from the fresh state.
        _slurm.OnQueue = null;
        _slurm.Set(id, JobState.Completed);
        var third = new List<JobState>();
        var back = Task.Run(async () =>
        {
            await foreach (var snapshot in _cache.WatchAsync([id], CancellationToken.None))
            {
                third.Add(snapshot.Job.State);
            }
        });
        await Task.Delay(50);
        await _cache.PollAsync(CancellationToken.None);
        await back.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(third, Is.EqualTo(new[] { JobState.Completed }));
    }

    [Test]
    public async Task NextInterval_WhileAnUnfinishedJobChangedWithinTheWindow_IsTheQuickOneElseThePollInterval()
    {
        using var cache = NewQuickCache(_slurm, TimeSpan.FromMilliseconds(250));
        Assert.That(cache.NextInterval(DateTimeOffset.UtcNow), Is.EqualTo(TimeSpan.FromHours(1)), "nothing watched");
        var id = await SubmitAsync();
        var get = cache.GetAsync([id], CancellationToken.None);
        await cache.PollAsync(CancellationToken.None);
        await get;
        var seen = DateTimeOffset.UtcNow;

        Assert.That(cache.NextInterval(seen), Is.EqualTo(TimeSpan.FromMilliseconds(250)), "just submitted: it starts at the next scheduling pass");
        Assert.That(cache.NextInterval(seen + TimeSpan.FromSeconds(4)), Is.EqualTo(TimeSpan.FromHours(1)), "pending for longer than the window: waiting for resources");

        _slurm.Set(id, JobState.Running);
        await cache.PollAsync(CancellationToken.None);
        Assert.That(cache.NextInterval(DateTimeOffset.UtcNow), Is.EqualTo(TimeSpan.FromMilliseconds(250)), "just started: a short job ends soon");
        _slurm.Set(id, JobState.Completed);
        await cache.PollAsync(CancellationToken.None);
        Assert.That(cache.NextInterval(DateTimeOffset.UtcNow), Is.EqualTo(TimeSpan.FromHours(1)), "finished jobs are not polled");
    }

    [Test]
    public async Task NextInterval_WithoutQuickPolls_IsAlwaysThePollInterval()
    {
        using var cache = NewQuickCache(_slurm, TimeSpan.Zero);
        var id = await SubmitAsync();
        var get = cache.GetAsync([id], CancellationToken.None);
        await cache.PollAsync(CancellationToken.None);
        await get;

        Assert.That(cache.NextInterval(DateTimeOffset.UtcNow), Is.EqualTo(TimeSpan.FromHours(1)));
    }

    [Test]
    public async Task Run_AJobJustSubmitted_IsPolledQuicklyUntilItStarts()
    {
        using var cache = NewQuickCache(_slurm, TimeSpan.FromMilliseconds(20));
        var id = await SubmitAsync();
        await cache.StartAsync(CancellationToken.None);
        await using var watch = cache.WatchAsync([id], CancellationToken.None).GetAsyncEnumerator();
        Assert.That(await watch.MoveNextAsync(), Is.True);
        Assert.That(watch.Current.Job.State, Is.EqualTo(JobState.Pending));

        _slurm.Set(id, JobState.Running);

        Assert.That(await watch.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(2)), Is.True, "seen within the quick polls, not an hour later");
        Assert.That(watch.Current.Job.State, Is.EqualTo(JobState.Running));
        await cache.StopAsync(CancellationToken.None);
    }
}
