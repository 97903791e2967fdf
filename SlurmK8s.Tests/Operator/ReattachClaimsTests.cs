using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Operator;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

namespace SlurmK8s.Tests.Operator;

/// <summary>Which re-attaching jobs the operator believes, and for how long they hold others back.</summary>
internal sealed class ReattachClaimsTests
{
    private const string Key = "default/cow";
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);
    private ReattachClaims _claims = null!;

    [SetUp]
    public void SetUp()
    {
        _claims = new ReattachClaims(Limit);
        _claims.Seed(() => [], Now);   // the operator runs; nothing re-attached when it started
    }

    private static SlurmJob InSlurm(string script = "#!/bin/sh\ntrue\n") => Job("cow", script).WithSlurm(7, "RUNNING");

    [Test]
    public void HoldsBack_AClaimOnAJobNeverSeenOnANode_IsNotBelieved()
    {
        var job = InSlurm();
        _claims.Observe(Key, job, null, Now);

        Assert.That(_claims.HadASlot(Key, job), Is.False);
        Assert.That(_claims.HoldsBack(Key, job, null, Now), Is.False);
        Assert.That(_claims.Open, Is.Empty);
    }

    [Test]
    public void HoldsBack_AJobSeenOnANodeThenLost_HoldsForTheLimitThenNot()
    {
        var job = InSlurm();
        _claims.Observe(Key, job, Pod("Running"), Now);
        _claims.Observe(Key, job, null, Now);

        Assert.That(_claims.HoldsBack(Key, job, null, Now + Limit - TimeSpan.FromSeconds(1)), Is.True);
        Assert.That(_claims.HoldsBack(Key, job, null, Now + Limit), Is.False);
        Assert.That(_claims.HoldsBack(Key, job, Pod("Running"), Now), Is.False, "placed again: it re-attaches no longer");
    }

    [Test]
    public void Observe_TheClaimBlankedAndWrittenAgain_KeepsTheWindowAndOnlyANewPlacementRenewsIt()
    {
        var job = InSlurm();
        _claims.Observe(Key, job, Pod("Running"), Now);
        _claims.Observe(Key, job, null, Now);
        var blanked = Job("cow");
        _claims.Observe(Key, blanked, null, Now + TimeSpan.FromSeconds(100));
        _claims.Observe(Key, job, null, Now + TimeSpan.FromSeconds(110));

        Assert.That(_claims.HoldsBack(Key, job, null, Now + Limit), Is.False, "the window counts from the first sight");

        _claims.Observe(Key, job, Pod("Running"), Now + Limit);
        _claims.Observe(Key, job, null, Now + Limit + TimeSpan.FromSeconds(1));
        Assert.That(_claims.HoldsBack(Key, job, null, Now + Limit + TimeSpan.FromSeconds(2)), Is.True, "a new placement took a real slot");
    }

    [Test]
    public void HadASlot_AJobRecreatedUnderTheSameName_StartsUnbelieved()
    {
        var job = InSlurm();
        _claims.Observe(Key, job, Pod("Running"), Now);
        var again = InSlurm();
        again.Metadata.Uid = "uid-cow-2";

        _claims.Observe(Key, again, null, Now);

        Assert.That(_claims.HadASlot(Key, again), Is.False);
        Assert.That(_claims.HoldsBack(Key, again, null, Now), Is.False);
    }

    [Test]
    public void Seed_AJobReattachingWhenTheOperatorStarts_IsBelievedOnce()
    {
        var claims = new ReattachClaims(Limit);
        var job = InSlurm();

        claims.Seed(() => [(Key, job, null)], Now);
        claims.Seed(() => throw new AssertionException("seeded twice"), Now);

        Assert.That(claims.HadASlot(Key, job), Is.True);
        Assert.That(claims.HoldsBack(Key, job, null, Now), Is.True);
    }
}
