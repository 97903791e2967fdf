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

    private static JobStateCache NewCache(FakeSlurm slurm) =>
        new(slurm, new JobStateCacheOptions(TimeSpan.FromHours(1), TimeSpan.FromHours(1), () => slurm.AccountingEnabled), NullLogger<JobStateCache>.Instance);

    private async Task<long> SubmitAsync() => await _slurm.SubmitAsync("#!/bin/sh", null, null, "/tmp", CancellationToken.None);

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
        await _slurm.CancelAsync(id, CancellationToken.None);

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
        var failing = new FailingSlurm();
        using var cache = new JobStateCache(failing, new JobStateCacheOptions(TimeSpan.FromHours(1), TimeSpan.FromHours(1), () => true),
            NullLogger<JobStateCache>.Instance);
        var get = cache.GetAsync([1], CancellationToken.None);

        Assert.That(async () => await cache.PollAsync(CancellationToken.None), Throws.InstanceOf<SlurmException>());
        var error = await Assert.ThrowsAsync<SlurmException>(async () => await get);
        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.Unavailable));
    }

    [Test]
    public async Task Poller_WhenSlurmFailsThenRecovers_KeepsServing()
    {
        var flaky = new FlakySlurm(_slurm) { FailuresLeft = 2 };
        using var cache = new JobStateCache(flaky, new JobStateCacheOptions(TimeSpan.FromMilliseconds(20), TimeSpan.FromHours(1), () => true),
            NullLogger<JobStateCache>.Instance);
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
        Assert.That(flaky.FailuresLeft, Is.Zero);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "condition not reached in 10 s");
            await Task.Delay(10);
        }
    }

    /// <summary>Throws a non-Slurm error from squeue a few times, then behaves.</summary>
    private sealed class FlakySlurm(FakeSlurm inner) : ISlurmClient
    {
        public int FailuresLeft { get; set; }
        public Task<IReadOnlyList<JobRecord>> QueueAsync(IReadOnlyCollection<long> jobIds, CancellationToken cancellationToken)
        {
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new InvalidOperationException("squeue printed something unexpected");
            }
            return inner.QueueAsync(jobIds, cancellationToken);
        }
        public Task<long> SubmitAsync(string script, string? partition, string? comment, string workDir, CancellationToken cancellationToken) => inner.SubmitAsync(script, partition, comment, workDir, cancellationToken);
        public Task CancelAsync(long jobId, CancellationToken cancellationToken) => inner.CancelAsync(jobId, cancellationToken);
        public Task<IReadOnlyList<JobRecord>> OwnQueueAsync(CancellationToken cancellationToken) => inner.OwnQueueAsync(cancellationToken);
        public Task<IReadOnlyList<JobRecord>> AccountingAsync(IReadOnlyCollection<long> jobIds, CancellationToken cancellationToken) => inner.AccountingAsync(jobIds, cancellationToken);
        public Task<IReadOnlyList<JobRecord>> OwnAccountingSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) => inner.OwnAccountingSinceAsync(since, cancellationToken);
        public Task<JobRecord?> ShowJobAsync(long jobId, CancellationToken cancellationToken) => inner.ShowJobAsync(jobId, cancellationToken);
        public Task<IReadOnlyList<StepRecord>> StepsAsync(long jobId, CancellationToken cancellationToken) => inner.StepsAsync(jobId, cancellationToken);
        public Task<IReadOnlyList<PartitionRecord>> PartitionsAsync(CancellationToken cancellationToken) => inner.PartitionsAsync(cancellationToken);
        public Task<ClusterConfig> ConfigAsync(CancellationToken cancellationToken) => inner.ConfigAsync(cancellationToken);
    }

    private sealed class FailingSlurm : ISlurmClient
    {
        private static SlurmException Down() => new(SlurmErrorKind.Unavailable, "squeue failed (exit 1): Unable to contact slurm controller (connect failure)");
        public Task<long> SubmitAsync(string script, string? partition, string? comment, string workDir, CancellationToken cancellationToken) => throw Down();
        public Task CancelAsync(long jobId, CancellationToken cancellationToken) => throw Down();
        public Task<IReadOnlyList<JobRecord>> QueueAsync(IReadOnlyCollection<long> jobIds, CancellationToken cancellationToken) => throw Down();
        public Task<IReadOnlyList<JobRecord>> OwnQueueAsync(CancellationToken cancellationToken) => throw Down();
        public Task<IReadOnlyList<JobRecord>> AccountingAsync(IReadOnlyCollection<long> jobIds, CancellationToken cancellationToken) => throw Down();
        public Task<IReadOnlyList<JobRecord>> OwnAccountingSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) => throw Down();
        public Task<JobRecord?> ShowJobAsync(long jobId, CancellationToken cancellationToken) => throw Down();
        public Task<IReadOnlyList<StepRecord>> StepsAsync(long jobId, CancellationToken cancellationToken) => throw Down();
        public Task<IReadOnlyList<PartitionRecord>> PartitionsAsync(CancellationToken cancellationToken) => throw Down();
        public Task<ClusterConfig> ConfigAsync(CancellationToken cancellationToken) => throw Down();
    }
}
