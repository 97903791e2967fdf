using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.RedBox;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.RedBox;

public sealed class JobSubmitterTests
{
    private const string Script = "#!/bin/sh\necho hi\n";
    private TempDirectory _state = null!;
    private FakeSlurm _slurm = null!;
    private readonly List<IDisposable> _journals = [];

    [SetUp]
    public void SetUp()
    {
        _state = new TempDirectory();
        _slurm = new FakeSlurm();
    }

    [TearDown]
    public void TearDown()
    {
        _journals.ForEach(j => j.Dispose());
        _journals.Clear();
        _state.Dispose();
    }

    /// <summary>A red-box's submitter as after start-up (journal opened, recovery done).</summary>
    private async Task<JobSubmitter> StartAsync()
    {
        var submitter = NewSubmitter();
        await submitter.RecoverAsync(CancellationToken.None);
        return submitter;
    }

    /// <summary>A submitter as red-box builds it: it learns whether accounting answers from the cluster's configuration.</summary>
    private JobSubmitter NewSubmitter()
    {
        var journal = new IdempotencyJournal(_state.Combine("journal"), TimeSpan.FromDays(30));
        _journals.Add(journal);
        var site = new SlurmSite(_slurm, NullLogger<SlurmSite>.Instance);
        return new JobSubmitter(_slurm, journal, new JobSubmitterOptions("/tmp", TimeSpan.FromDays(7), site.IsAccountingEnabledAsync),
            NullLogger<JobSubmitter>.Instance);
    }

    [Test]
    public async Task Submit_SameKeyTwice_MakesOneJob()
    {
        var submitter = await StartAsync();

        var first = await submitter.SubmitAsync(Script, null, "uid-1", CancellationToken.None);
        var second = await submitter.SubmitAsync(Script, null, "uid-1", CancellationToken.None);

        Assert.That(second.JobId, Is.EqualTo(first.JobId));
        Assert.That(second.AlreadySubmitted, Is.True);
        Assert.That(_slurm.AllJobs, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Submit_SameKeyConcurrently_MakesOneJob()
    {
        var submitter = await StartAsync();
        _slurm.SubmitDelay = TimeSpan.FromMilliseconds(50);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => submitter.SubmitAsync(Script, null, "uid-race", CancellationToken.None)));

        Assert.That(outcomes.Select(o => o.JobId).Distinct().Count(), Is.EqualTo(1));
        Assert.That(_slurm.AllJobs, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Submit_DifferentKeys_MakeDifferentJobs()
    {
        var submitter = await StartAsync();

        var a = await submitter.SubmitAsync(Script, null, "uid-a", CancellationToken.None);
        var b = await submitter.SubmitAsync(Script, null, "uid-b", CancellationToken.None);

        Assert.That(a.JobId, Is.Not.EqualTo(b.JobId));
    }

    [Test]
    public async Task Submit_AfterRestart_FindsTheKeyInTheJournalWithoutAskingSlurm()
    {
        var first = await (await StartAsync()).SubmitAsync(Script, null, "uid-2", CancellationToken.None);
        _journals.ForEach(j => j.Dispose());
        _slurm.Set(first.JobId, JobState.Completed);
        _slurm.AgeOut(first.JobId);
        _slurm.AccountingEnabled = false; // only the journal can answer

        var again = await (await StartAsync()).SubmitAsync(Script, null, "uid-2", CancellationToken.None);

        Assert.That(again.JobId, Is.EqualTo(first.JobId));
        Assert.That(_slurm.SubmitCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task Submit_WhenControllerWasDownAtStartAndThereIsNoAccounting_NeverCallsSacct()
    {
        _slurm.AccountingEnabled = false;
        _slurm.OnConfig = () => throw new SlurmException(SlurmErrorKind.Unavailable, "scontrol failed (exit 1): Unable to contact slurm controller (connect failure)");
        var submitter = NewSubmitter();
        // Start-up: red-box logs this and starts anyway.
        await Assert.ThrowsAsync<SlurmException>(() => submitter.RecoverAsync(CancellationToken.None));
        _slurm.OnConfig = null; // the controller answers now

        var first = await submitter.SubmitAsync(Script, null, "uid-late", CancellationToken.None);
        var second = await submitter.SubmitAsync(Script, null, "uid-late", CancellationToken.None);

        Assert.That(second.JobId, Is.EqualTo(first.JobId));
        Assert.That(second.AlreadySubmitted, Is.True);
        Assert.That(_slurm.SubmitCalls, Is.EqualTo(1));
        Assert.That(_slurm.AccountingCalls, Is.Zero);
    }

    [Test]
    public async Task Submit_WhenJournalLostAndJobLeftSqueue_FindsTheKeyInAccounting()
    {
        var first = await (await StartAsync()).SubmitAsync(Script, null, "uid-3", CancellationToken.None);
        _journals.ForEach(j => j.Dispose());
        File.Delete(_state.Combine("journal"));
        _slurm.Set(first.JobId, JobState.Completed);
        _slurm.AgeOut(first.JobId);

        var again = await (await StartAsync()).SubmitAsync(Script, null, "uid-3", CancellationToken.None);

        Assert.That(again.JobId, Is.EqualTo(first.JobId));
        Assert.That(_slurm.SubmitCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task Submit_WhenSbatchReplyIsLost_RetryFindsTheJobInSlurm()
    {
        var submitter = await StartAsync();
        _slurm.OnSubmitted = _ => throw new SlurmException(SlurmErrorKind.Unavailable, "sbatch failed (exit 1): Socket timed out on send/recv operation");

        await Assert.ThrowsAsync<SlurmException>(async () => await submitter.SubmitAsync(Script, null, "uid-4", CancellationToken.None));
        _slurm.OnSubmitted = null;
        var retry = await submitter.SubmitAsync(Script, null, "uid-4", CancellationToken.None);

        Assert.That(_slurm.AllJobs, Has.Count.EqualTo(1), "the job sbatch made before the reply was lost is the one returned");
        Assert.That(retry.JobId, Is.EqualTo(_slurm.AllJobs.Single().JobId));
    }

    [Test]
    public async Task Submit_NewKey_AsksSlurmNothingButSbatch()
    {
        var submitter = await StartAsync();
        var (queue, accounting) = (_slurm.QueueCalls, _slurm.AccountingCalls);

        await submitter.SubmitAsync(Script, null, "uid-fast", CancellationToken.None);

        Assert.That((_slurm.QueueCalls, _slurm.AccountingCalls), Is.EqualTo((queue, accounting)), "the fast path costs no Slurm query");
    }

    [Test]
    public async Task Submit_WithKey_RecordsTheKeyInTheJobComment()
    {
        var submitter = await StartAsync();

        await submitter.SubmitAsync(Script, null, "uid-5", CancellationToken.None);

        Assert.That(_slurm.AllJobs.Single().Comment, Is.EqualTo("slurmk8s-key=uid-5"));
    }

    [TestCase("")]
    [TestCase("echo no shebang")]
    public async Task Submit_WhenScriptIsNotABatchScript_RefusesWithTheFix(string script)
    {
        var submitter = await StartAsync();

        var error = await Assert.ThrowsAsync<SlurmException>(async () => await submitter.SubmitAsync(script, null, null, CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.InvalidArgument));
        Assert.That(error.Message, Does.Contain("script"));
    }

    [TestCase("has space")]
    [TestCase("semi;colon")]
    [TestCase("$(rm -rf /)")]
    public async Task Submit_WhenKeyHasBadCharacters_RefusesNamingTheField(string key)
    {
        var submitter = await StartAsync();

        var error = await Assert.ThrowsAsync<SlurmException>(async () => await submitter.SubmitAsync(Script, null, key, CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.InvalidArgument));
        Assert.That(error.Message, Does.Contain("idempotency_key"));
    }
}
