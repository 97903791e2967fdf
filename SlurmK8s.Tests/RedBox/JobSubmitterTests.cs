using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Os;
using SlurmK8s.RedBox;
using SlurmK8s.RedBox.Scoping;
using SlurmK8s.RedBox.Tenancy;
using System.Text;
using SlurmK8s.Slurm;
using SlurmK8s.RedBoxContract;
using SlurmK8s.Tests.Fakes;
using SlurmK8s.Tests.RedBox.Scoping;

namespace SlurmK8s.Tests.RedBox;

public sealed class JobSubmitterTests
{
    private const string Script = "#!/bin/sh\necho hi\n";
    private TempDirectory _state = null!;
    private FakeSlurm _slurm = null!;
    private Tenant _tenant = null!;
    private Tenant _other = null!;
    private CallScope _scope = null!;
    private readonly List<IDisposable> _journals = [];

    [SetUp]
    public void SetUp()
    {
        _state = new TempDirectory();
        _slurm = new FakeSlurm();
        _tenant = Tenants.Make(_state.Combine("tenants"), "team-a", 4201, partitions: ["debug", "short"]);
        _other = Tenants.Make(_state.Combine("tenants"), "team-b", 4202);
        _scope = Tenants.Scope(_tenant, Tenants.SlurmJobPod("team-a", "cow", "uid-cow"));
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
        return new JobSubmitter(_slurm, journal, new JobSubmitterOptions(TimeSpan.FromDays(7), site.GetAsync, () => [_tenant, _other]),
            NullLogger<JobSubmitter>.Instance);
    }

    [Test]
    public async Task Submit_ScriptOverTheLimit_IsRefusedInWords_AndNothingIsSubmitted()
    {
        var submitter = await StartAsync();
        var script = Script + new string('#', ScriptLimits.MaxScriptBytes);

        var e = await Assert.ThrowsAsync<SlurmException>(() => submitter.SubmitAsync(script, null, "k1", _scope, CancellationToken.None));

        Assert.That(e!.Kind, Is.EqualTo(SlurmErrorKind.InvalidArgument));
        Assert.That(e.Message, Does.Contain($"is {Encoding.UTF8.GetByteCount(script)} bytes").And.Contain($"at most {ScriptLimits.MaxScriptBytes} bytes")
            .And.Contain("files the script reads"));
        Assert.That(_slurm.Submissions, Is.Empty);
    }

    [Test]
    public void ScriptLimits_CountUtf8Bytes_NotCharacters()
    {
        Assert.That(ScriptLimits.Refusal(new string('x', ScriptLimits.MaxScriptBytes)), Is.Null);
        Assert.That(ScriptLimits.Refusal(new string('é', ScriptLimits.MaxScriptBytes / 2 + 1)), Does.Contain($"is {ScriptLimits.MaxScriptBytes + 2} bytes"));
    }

    [Test]
    public async Task Submit_SameKeyTwice_MakesOneJob()
    {
        var submitter = await StartAsync();

        var first = await submitter.SubmitAsync(Script, null, "uid-1", _scope, CancellationToken.None);
        var second = await submitter.SubmitAsync(Script, null, "uid-1", _scope, CancellationToken.None);

        Assert.That(second.JobId, Is.EqualTo(first.JobId));
        Assert.That(second.AlreadySubmitted, Is.True);
        Assert.That(_slurm.AllJobs, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Submit_SameKeyConcurrently_MakesOneJob()
    {
        var submitter = await StartAsync();
        _slurm.SubmitDelay = TimeSpan.FromMilliseconds(50);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => submitter.SubmitAsync(Script, null, "uid-race", _scope, CancellationToken.None)));

        Assert.That(outcomes.Select(o => o.JobId).Distinct().Count(), Is.EqualTo(1));
        Assert.That(_slurm.AllJobs, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Submit_DifferentKeys_MakeDifferentJobs()
    {
        var submitter = await StartAsync();

        var a = await submitter.SubmitAsync(Script, null, "uid-a", _scope, CancellationToken.None);
        var b = await submitter.SubmitAsync(Script, null, "uid-b", _scope, CancellationToken.None);

        Assert.That(a.JobId, Is.Not.EqualTo(b.JobId));
    }

    [Test]
    public async Task Submit_AfterRestart_FindsTheKeyInTheJournalWithoutAskingSlurm()
    {
        var first = await (await StartAsync()).SubmitAsync(Script, null, "uid-2", _scope, CancellationToken.None);
        _journals.ForEach(j => j.Dispose());
        _slurm.Set(first.JobId, JobState.Completed);
        _slurm.AgeOut(first.JobId);
        _slurm.AccountingEnabled = false; // only the journal can answer

        var again = await (await StartAsync()).SubmitAsync(Script, null, "uid-2", _scope, CancellationToken.None);

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

        var first = await submitter.SubmitAsync(Script, null, "uid-late", _scope, CancellationToken.None);
        var second = await submitter.SubmitAsync(Script, null, "uid-late", _scope, CancellationToken.None);

        Assert.That(second.JobId, Is.EqualTo(first.JobId));
        Assert.That(second.AlreadySubmitted, Is.True);
        Assert.That(_slurm.SubmitCalls, Is.EqualTo(1));
        Assert.That(_slurm.AccountingCalls, Is.Zero);
    }

    [Test]
    public async Task Submit_WhenJournalLostAndJobLeftSqueue_FindsTheKeyInAccounting()
    {
        var first = await (await StartAsync()).SubmitAsync(Script, null, "uid-3", _scope, CancellationToken.None);
        _journals.ForEach(j => j.Dispose());
        File.Delete(_state.Combine("journal"));
        _slurm.Set(first.JobId, JobState.Completed);
        _slurm.AgeOut(first.JobId);

        var again = await (await StartAsync()).SubmitAsync(Script, null, "uid-3", _scope, CancellationToken.None);

        Assert.That(again.JobId, Is.EqualTo(first.JobId));
        Assert.That(_slurm.SubmitCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task Submit_WhenSbatchReplyIsLost_RetryFindsTheJobInSlurm()
    {
        var submitter = await StartAsync();
        _slurm.OnSubmitted = _ => throw new SlurmException(SlurmErrorKind.Unavailable, "sbatch failed (exit 1): Socket timed out on send/recv operation");

        await Assert.ThrowsAsync<SlurmException>(async () => await submitter.SubmitAsync(Script, null, "uid-4", _scope, CancellationToken.None));
        _slurm.OnSubmitted = null;
        var retry = await submitter.SubmitAsync(Script, null, "uid-4", _scope, CancellationToken.None);

        Assert.That(_slurm.AllJobs, Has.Count.EqualTo(1), "the job sbatch made before the reply was lost is the one returned");
        Assert.That(retry.JobId, Is.EqualTo(_slurm.AllJobs.Single().JobId));
    }

    [Test]
    public async Task Submit_WhenSlurmLostTheKeysJobAndGaveItsIdToAnother_SubmitsItAgainOnce_AndARestartedRedBoxKnowsTheNewOne()
    {
        var submitter = await StartAsync();
        var first = await submitter.SubmitAsync(Script, null, "uid-lost", _scope, CancellationToken.None);
        _slurm.LoseFrom(first.JobId);   // slurmctld SIGKILLed before it saved the job
        var other = await submitter.SubmitAsync(Script, null, "uid-other", _scope, CancellationToken.None);
        Assert.That(other.JobId, Is.EqualTo(first.JobId), "the id was given again, to another key's job");

        var again = await submitter.SubmitAsync(Script, null, "uid-lost", _scope, CancellationToken.None);
        var once = await submitter.SubmitAsync(Script, null, "uid-lost", _scope, CancellationToken.None);
        var afterRestart = await NewSubmitter().SubmitAsync(Script, null, "uid-lost", _scope, CancellationToken.None);

        Assert.That((again.JobId, again.AlreadySubmitted), Is.Not.EqualTo((first.JobId, true)));
        Assert.That(again.JobId, Is.Not.EqualTo(other.JobId), "never the other key's job");
        Assert.That((once.JobId, once.AlreadySubmitted), Is.EqualTo((again.JobId, true)));
        Assert.That((afterRestart.JobId, afterRestart.AlreadySubmitted), Is.EqualTo((again.JobId, true)), "the journal's last line for the key wins");
        Assert.That(_slurm.SubmitCalls, Is.EqualTo(3));
    }

    [Test]
    public async Task Submit_WhenTheLostJobsIdWentToAnotherTenantsJob_ItIsNeverAnsweredAsThisKeysAndTheKeyIsSubmittedAgain()
    {
        var submitter = await StartAsync();
        var mine = await submitter.SubmitAsync(Script, null, "uid-a", _scope, CancellationToken.None);
        _slurm.LoseFrom(mine.JobId);
        var theirs = await submitter.SubmitAsync(Script, null, "uid-a", Tenants.Scope(_other, Tenants.SlurmJobPod("team-b", "cow", "uid-cow")), CancellationToken.None);
        Assert.That(theirs.JobId, Is.EqualTo(mine.JobId), "team-b's job got the id slurmctld forgot");

        var again = await submitter.SubmitAsync(Script, null, "uid-a", _scope, CancellationToken.None);

        Assert.That(again.JobId, Is.Not.EqualTo(theirs.JobId));
        Assert.That(again.AlreadySubmitted, Is.False);
    }

    [Test]
    public async Task Submit_WhenTheLostJobsIdWentToAJobWithoutAMark_TheKeyIsSubmittedAgain()
    {
        var submitter = await StartAsync();
        var mine = await submitter.SubmitAsync(Script, null, "uid-a", _scope, CancellationToken.None);
        _slurm.LoseFrom(mine.JobId);
        // Someone's own sbatch, as the same Unix user even, with no comment: squeue always shows a comment, so it is not ours.
        var raw = await _slurm.SubmitAsync(new BatchSubmission(Script, "/tmp") { RunAs = _tenant.User }, CancellationToken.None);
        Assert.That(raw, Is.EqualTo(mine.JobId));

        var again = await submitter.SubmitAsync(Script, null, "uid-a", _scope, CancellationToken.None);

        Assert.That((again.JobId == raw, again.AlreadySubmitted), Is.EqualTo((false, false)));
    }

    [Test]
    public async Task Submit_WhenTheLostJobsIdWentToAnUnmarkedJobThatLeftSqueue_AndAccountingKeepsComments_TheKeyIsSubmittedAgain()
    {
        var submitter = await StartAsync();
        var mine = await submitter.SubmitAsync(Script, null, "uid-a", _scope, CancellationToken.None);
        _slurm.LoseFrom(mine.JobId);
        var raw = await _slurm.SubmitAsync(new BatchSubmission(Script, "/tmp") { RunAs = _tenant.User }, CancellationToken.None);
        _slurm.Set(raw, JobState.Completed);
        _slurm.AgeOut(raw);   // only accounting knows it now, with the empty comment it was given

        var again = await submitter.SubmitAsync(Script, null, "uid-a", _scope, CancellationToken.None);

        Assert.That((again.JobId == raw, again.AlreadySubmitted), Is.EqualTo((false, false)), "a cluster that keeps comments would show ours");
    }

    [Test]
    public async Task Submit_WhenAccountingKeepsNoComments_AKeysJobThatLeftSqueue_IsStillTheKeys()
    {
        _slurm.StoresJobComment = false;
        var submitter = await StartAsync();
        var first = await submitter.SubmitAsync(Script, null, "uid-done", _scope, CancellationToken.None);
        _slurm.Set(first.JobId, JobState.Completed);
        _slurm.AgeOut(first.JobId);   // accounting has it, without its comment

        var again = await submitter.SubmitAsync(Script, null, "uid-done", _scope, CancellationToken.None);

        Assert.That((again.JobId, again.AlreadySubmitted), Is.EqualTo((first.JobId, true)));
        Assert.That(_slurm.SubmitCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task Submit_WithoutAccounting_AKeysJobGoneFromSqueue_IsNotSubmittedAgain()
    {
        _slurm.AccountingEnabled = false;
        var submitter = await StartAsync();
        var first = await submitter.SubmitAsync(Script, null, "uid-done", _scope, CancellationToken.None);
        _slurm.Set(first.JobId, JobState.Completed);
        _slurm.AgeOut(first.JobId);   // finished and past MinJobAge: without accounting nothing tells it from a lost one

        var again = await submitter.SubmitAsync(Script, null, "uid-done", _scope, CancellationToken.None);

        Assert.That((again.JobId, again.AlreadySubmitted), Is.EqualTo((first.JobId, true)));
        Assert.That(_slurm.SubmitCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task Submit_NewKey_AsksSlurmNothingButSbatch()
    {
        var submitter = await StartAsync();
        var (queue, accounting) = (_slurm.QueueCalls, _slurm.AccountingCalls);

        await submitter.SubmitAsync(Script, null, "uid-fast", _scope, CancellationToken.None);

        Assert.That((_slurm.QueueCalls, _slurm.AccountingCalls), Is.EqualTo((queue, accounting)), "the fast path costs no Slurm query");
    }

    [Test]
    public async Task Submit_WithKey_RecordsTheKeyInTheJobComment()
    {
        var submitter = await StartAsync();

        await submitter.SubmitAsync(Script, null, "uid-5", _scope, CancellationToken.None);

        Assert.That(_slurm.AllJobs.Single().Comment, Is.EqualTo(_scope.Comment("uid-5")));
        Assert.That(_slurm.AllJobs.Single().Comment, Does.Not.Contain("uid-5"), "the key itself is not shown to everyone who can run squeue");
    }

    [TestCase("")]
    [TestCase("echo no shebang")]
    public async Task Submit_WhenScriptIsNotABatchScript_RefusesWithTheFix(string script)
    {
        var submitter = await StartAsync();

        var error = await Assert.ThrowsAsync<SlurmException>(async () => await submitter.SubmitAsync(script, null, null, _scope, CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.InvalidArgument));
        Assert.That(error.Message, Does.Contain("script"));
    }

    [TestCase("has space")]
    [TestCase("semi;colon")]
    [TestCase("$(rm -rf /)")]
    public async Task Submit_WhenKeyHasBadCharacters_RefusesNamingTheField(string key)
    {
        var submitter = await StartAsync();

        var error = await Assert.ThrowsAsync<SlurmException>(async () => await submitter.SubmitAsync(Script, null, key, _scope, CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.InvalidArgument));
        Assert.That(error.Message, Does.Contain("idempotency_key"));
    }

    [Test]
    public async Task Submit_RunsAsTheTenantsUserChargedToItsAccountFromTheSlurmJobsOwnDirectory()
    {
        var submitter = await StartAsync();

        var outcome = await submitter.SubmitAsync(Script, null, "uid-cow", _scope, CancellationToken.None);

        var sbatch = _slurm.Submissions.Single();
        var expected = Path.Join(_tenant.WorkRoot, "team-a", "cow-uid-cow");
        Assert.That(sbatch.RunAs, Is.EqualTo(_tenant.User));
        Assert.That(sbatch.Account, Is.EqualTo("acct-team-a"));
        Assert.That(sbatch.Partition, Is.EqualTo("debug"), "the tenant's first partition is its default");
        Assert.That(sbatch.WorkDir, Is.EqualTo(expected));
        Assert.That(outcome.WorkDir, Is.EqualTo(expected));
        Assert.That(Libc.FileOwner(expected)?.Uid, Is.EqualTo(4201u), "the job's directory belongs to the tenant's user");
    }

    [Test]
    public async Task Submit_TwoSlurmJobs_NeverShareADirectory()
    {
        var submitter = await StartAsync();
        var sameName = Tenants.Scope(_tenant, Tenants.SlurmJobPod("team-a", "cow", "uid-cow-2"));

        var first = await submitter.SubmitAsync(Script, null, "uid-cow", _scope, CancellationToken.None);
        var second = await submitter.SubmitAsync(Script, null, "uid-cow-2", sameName, CancellationToken.None);

        Assert.That(second.WorkDir, Is.Not.EqualTo(first.WorkDir));
    }

    [Test]
    public async Task Submit_KeyPreClaimedByAnotherTenant_DoesNotHijackThisTenantsJob()
    {
        var submitter = await StartAsync();
        var attacker = Tenants.Scope(_other, Tenants.OtherPod("team-b"));

        var claimed = await submitter.SubmitAsync("#!/bin/sh\necho attacker\n", null, "uid-cow", attacker, CancellationToken.None);
        var own = await submitter.SubmitAsync(Script, null, "uid-cow", _scope, CancellationToken.None);

        Assert.That(own.JobId, Is.Not.EqualTo(claimed.JobId));
        Assert.That(own.AlreadySubmitted, Is.False, "the SlurmJob runs its own script, not the attacker's job");
        Assert.That(_slurm.Submissions[1].Script, Is.EqualTo(Script));
    }

    [Test]
    public async Task Submit_KeyPreClaimedByAnotherSlurmJobOfTheSameTenant_DoesNotHijack()
    {
        var submitter = await StartAsync();
        var neighbour = Tenants.Scope(_tenant, Tenants.SlurmJobPod("team-a", "other", "uid-other"));

        var claimed = await submitter.SubmitAsync(Script, null, "uid-cow", neighbour, CancellationToken.None);
        var own = await submitter.SubmitAsync(Script, null, "uid-cow", _scope, CancellationToken.None);

        Assert.That(own.JobId, Is.Not.EqualTo(claimed.JobId));
    }

    [Test]
    public async Task Recover_KeyForgedInAnotherUsersJobComment_IsNotBelieved()
    {
        // team-b's user writes team-a's scoped key into its own job's comment, then red-box loses its journal.
        var forged = await _slurm.SubmitAsync(new BatchSubmission("#!/bin/sh\n", "/tmp") { Comment = _scope.Comment("uid-cow"), RunAs = _other.User },
            CancellationToken.None);
        File.Delete(_state.Combine("journal"));

        var own = await (await StartAsync()).SubmitAsync(Script, null, "uid-cow", _scope, CancellationToken.None);

        Assert.That(own.JobId, Is.Not.EqualTo(forged));
        Assert.That(own.AlreadySubmitted, Is.False);
    }

    [Test]
    public async Task Recover_KeyInTheTenantsOwnJob_IsFoundAgain()
    {
        var first = await (await StartAsync()).SubmitAsync(Script, null, "uid-cow", _scope, CancellationToken.None);
        File.Delete(_state.Combine("journal"));

        var again = await (await StartAsync()).SubmitAsync(Script, null, "uid-cow", _scope, CancellationToken.None);

        Assert.That(again.JobId, Is.EqualTo(first.JobId));
        Assert.That(again.AlreadySubmitted, Is.True);
    }

    [TestCase("#!/bin/sh\n#SBATCH --account=team-b\ntrue\n", "account team-b")]
    [TestCase("#!/bin/sh\n#SBATCH -A team-b\ntrue\n", "account team-b")]
    [TestCase("#!/bin/sh\n#SBATCH --partition=gpu\ntrue\n", "partition gpu")]
    [TestCase("#!/bin/sh\n#SBATCH -p debug,gpu\ntrue\n", "partition gpu")]
    public async Task Submit_ScriptAskingForWhatTheTenantMayNotUse_IsRefusedBeforeSlurm(string script, string named)
    {
        var submitter = await StartAsync();

        var error = await Assert.ThrowsAsync<SlurmException>(async () => await submitter.SubmitAsync(script, null, "uid-cow", _scope, CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.PermissionDenied));
        Assert.That(error.Message, Does.Contain(named).And.Contain("team-a"));
        Assert.That(_slurm.Submissions, Is.Empty);
    }

    [Test]
    public async Task Submit_RequestForAPartitionTheTenantMayNotUse_IsRefused()
    {
        var submitter = await StartAsync();

        var error = await Assert.ThrowsAsync<SlurmException>(async () => await submitter.SubmitAsync(Script, "gpu", "uid-cow", _scope, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("partition gpu"));
        Assert.That(_slurm.Submissions, Is.Empty);
    }

    [Test]
    public async Task Submit_ScriptNamingTheTenantsOwnAccountAndPartition_IsSubmitted()
    {
        var submitter = await StartAsync();

        await submitter.SubmitAsync("#!/bin/sh\n#SBATCH --account=acct-team-a\n#SBATCH -p short\ntrue\n", null, "uid-cow", _scope, CancellationToken.None);

        Assert.That(_slurm.Submissions.Single().Partition, Is.EqualTo("short"));
    }

    [Test]
    public async Task Submit_ScriptAskingForAQosTheTenantMayNotUse_IsRefusedBeforeSlurm()
    {
        var limited = Tenants.Scope(Tenants.Make(_state.Combine("tenants"), "qos-limited", 4203, qos: ["normal"]), Tenants.HostCaller());
        var submitter = await StartAsync();

        var error = await Assert.ThrowsAsync<SlurmException>(async () =>
            await submitter.SubmitAsync("#!/bin/sh\n#SBATCH --qos=high\ntrue\n", null, "k", limited, CancellationToken.None));
        await submitter.SubmitAsync(Script, null, "k2", limited, CancellationToken.None);

        Assert.That(error!.Message, Does.Contain("QoS high"));
        Assert.That(_slurm.Submissions.Single().Qos, Is.EqualTo("normal"), "the tenant's QoS is given on the command line");
    }

    [Test]
    public async Task Submit_SameKeyAfterTheTenancyNarrowedWhatItMayAskFor_ReturnsTheJobItMadeBefore()
    {
        // A companion that restarts after the administrator narrowed its tenant re-attaches; it is not refused.
        var submitter = await StartAsync();
        var first = await submitter.SubmitAsync("#!/bin/sh\n#SBATCH -p short\ntrue\n", null, "uid-cow", _scope, CancellationToken.None);
        var narrowed = _scope with { Tenant = _tenant with { Partitions = ["debug"] } };

        var again = await submitter.SubmitAsync("#!/bin/sh\n#SBATCH -p short\ntrue\n", null, "uid-cow", narrowed, CancellationToken.None);

        Assert.That((again.JobId, again.AlreadySubmitted), Is.EqualTo((first.JobId, true)));
        Assert.That(_slurm.Submissions, Has.Count.EqualTo(1));
    }
}
