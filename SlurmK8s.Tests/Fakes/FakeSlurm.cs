using SlurmK8s.Os;
using SlurmK8s.Slurm;

namespace SlurmK8s.Tests.Fakes;

/// <summary>
/// A stateful Slurm: jobs live in the queue (squeue) until aged out, and in accounting (sacct) for ever.
/// Tests move jobs through states and inject faults with the On… hooks.
/// </summary>
internal sealed class FakeSlurm : ISlurmClient
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, JobRecord> _queue = [];
    private readonly Dictionary<long, JobRecord> _accounting = [];
    private long _nextId = 100;

    public int SubmitCalls { get; private set; }
    public int QueueCalls { get; private set; }
    public int AccountingCalls { get; private set; }
    public int ConfigCalls { get; private set; }
    /// <summary>Without accounting, sacct fails as the real one does (AccountingStorageType=accounting_storage/none).</summary>
    public bool AccountingEnabled { get; set; } = true;

    /// <summary>AccountingStoreFlags has job_comment: accounting's rows carry the comment squeue showed.</summary>
    public bool StoresJobComment { get; set; } = true;

    /// <summary>Runs inside sbatch after the job exists (e.g. throw to simulate a lost reply).</summary>
    public Action<long>? OnSubmitted { get; set; }
    /// <summary>Runs at the start of every squeue (e.g. throw to simulate a controller that does not answer).</summary>
    public Action? OnQueue { get; set; }
    /// <summary>Runs at the start of every `scontrol show config` (e.g. throw to simulate a controller that does not answer).</summary>
    public Action? OnConfig { get; set; }
    /// <summary>Delay inside sbatch, to let concurrent calls overlap.</summary>
    public TimeSpan SubmitDelay { get; set; }

    public IReadOnlyCollection<JobRecord> AllJobs
    {
        get
        {
            lock (_gate)
            {
                return _accounting.Values.ToList();
            }
        }
    }

    public async Task<long> SubmitAsync(BatchSubmission submission, CancellationToken cancellationToken)
    {
        if (SubmitDelay > TimeSpan.Zero)
        {
            await Task.Delay(SubmitDelay, cancellationToken);
        }
        long id;
        lock (_gate)
        {
            SubmitCalls++;
            id = _nextId++;
            var job = new JobRecord
            {
                JobId = id, State = JobState.Pending, SlurmState = "PENDING", Comment = submission.Comment ?? "", WorkDir = submission.WorkDir,
                Partition = submission.Partition ?? "debug", User = submission.RunAs?.Name ?? "",
            };
            Submissions.Add(submission);
            _queue[id] = job;
            _accounting[id] = job;
        }
        OnSubmitted?.Invoke(id);
        return id;
    }

    /// <summary>Every sbatch, in order.</summary>
    public List<BatchSubmission> Submissions { get; } = [];

    public Task CancelAsync(long jobId, UnixUser? runAs, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // As scancel does: a user may cancel only their own jobs.
            if (runAs is not null && _accounting.TryGetValue(jobId, out var job) && job.User != runAs.Name)
            {
                throw new SlurmException(SlurmErrorKind.PermissionDenied, $"scancel: error: Kill job error on job id {jobId}: Access/permission denied");
            }
        }
        Set(jobId, JobState.Cancelled);
        return Task.CompletedTask;
    }

    public void Set(long jobId, JobState state, int exitCode = 0)
    {
        lock (_gate)
        {
            var job = _accounting[jobId] with { State = state, SlurmState = state.ToString().ToUpperInvariant(), ExitCode = exitCode };
            _accounting[jobId] = job;
            if (_queue.ContainsKey(jobId))
            {
                _queue[jobId] = job;
            }
        }
    }

    /// <summary>
    /// slurmctld killed before it saved this job and the ones after it: Slurm forgets them (squeue and accounting) and
    /// gives their ids again, from this one on.
    /// </summary>
    public void LoseFrom(long jobId)
    {
        lock (_gate)
        {
            foreach (var id in _accounting.Keys.Where(id => id >= jobId).ToList())
            {
                _queue.Remove(id);
                _accounting.Remove(id);
            }
            _nextId = jobId;
        }
    }

    /// <summary>The job leaves squeue (MinJobAge passed); accounting still knows it.</summary>
    public void AgeOut(long jobId)
    {
        lock (_gate)
        {
            _queue.Remove(jobId);
        }
    }

    public Task<IReadOnlyList<JobRecord>> QueueAsync(IReadOnlyCollection<long> jobIds, CancellationToken cancellationToken)
    {
        OnQueue?.Invoke();
        lock (_gate)
        {
            QueueCalls++;
            return Task.FromResult<IReadOnlyList<JobRecord>>(_queue.Values.Where(j => jobIds.Contains(j.JobId)).ToList());
        }
    }

    public Task<IReadOnlyList<JobRecord>> QueueOfUsersAsync(IReadOnlyCollection<string> users, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            QueueCalls++;
            return Task.FromResult<IReadOnlyList<JobRecord>>(_queue.Values.Where(j => users.Contains(j.User)).ToList());
        }
    }

    public Task<IReadOnlyList<JobRecord>> AccountingAsync(IReadOnlyCollection<long> jobIds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            AccountingCalls++;
            RequireAccounting();
            return Task.FromResult<IReadOnlyList<JobRecord>>(_accounting.Values.Where(j => jobIds.Contains(j.JobId)).Select(Accounted).ToList());
        }
    }

    public Task<IReadOnlyList<JobRecord>> AccountingOfUsersSinceAsync(IReadOnlyCollection<string> users, DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            AccountingCalls++;
            RequireAccounting();
            return Task.FromResult<IReadOnlyList<JobRecord>>(_accounting.Values.Where(j => users.Contains(j.User)).Select(Accounted).ToList());
        }
    }

    public Task<IReadOnlyList<StepRecord>> StepsAsync(long jobId, CancellationToken cancellationToken)
    {
        RequireAccounting();
        return Task.FromResult<IReadOnlyList<StepRecord>>([]);
    }

    public Task<IReadOnlyList<PartitionRecord>> PartitionsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<PartitionRecord>>([]);

    public Task<ClusterConfig> ConfigAsync(CancellationToken cancellationToken)
    {
        OnConfig?.Invoke();
        lock (_gate)
        {
            ConfigCalls++;
        }
        return Task.FromResult(new ClusterConfig("22.05.8", "fake", AccountingEnabled, StoresJobComment, TimeSpan.FromSeconds(300)));
    }

    private JobRecord Accounted(JobRecord job) => StoresJobComment ? job : job with { Comment = "" };

    // What the real sacct prints (Fixtures/slurm/sacct-accounting-disabled.*).
    private void RequireAccounting()
    {
        if (!AccountingEnabled)
        {
            throw SlurmException.FromCommand("sacct", 1, "Slurm accounting storage is disabled\n");
        }
    }
}
