using SlurmK8s.ControllerRuntime.LeaderElection;

namespace SlurmK8s.Tests.ControllerRuntime.LeaderElection;

internal sealed class LeaderElectionOptionsTests
{
    private static LeaderElectionOptions Valid() => new() { Namespace = "slurm", LeaseName = "slurmk8s-operator", Identity = "operator-0" };

    [Test]
    public void Validate_Defaults_AreAccepted() => Assert.DoesNotThrow(() => Valid().Validate());

    private static IEnumerable<TestCaseData> Invalid()
    {
        yield return new TestCaseData(Valid() with { RenewDeadline = TimeSpan.FromSeconds(15) }, "shorter than the lease duration").SetName("Validate_RenewDeadlineNotShorterThanLease_Throws");
        yield return new TestCaseData(Valid() with { RetryPeriod = TimeSpan.FromSeconds(9) }, "1.2 × the retry period").SetName("Validate_RetryTooCloseToDeadline_Throws");
        yield return new TestCaseData(Valid() with { Identity = " " }, "pod name").SetName("Validate_NoIdentity_Throws");
        yield return new TestCaseData(Valid() with { LeaseName = "" }, "namespace and name").SetName("Validate_NoLeaseName_Throws");
        yield return new TestCaseData(Valid() with { LeaseDuration = TimeSpan.FromMilliseconds(500), RenewDeadline = TimeSpan.FromMilliseconds(400), RetryPeriod = TimeSpan.FromMilliseconds(100) },
            "whole seconds").SetName("Validate_SubSecondLease_Throws");
    }

    [TestCaseSource(nameof(Invalid))]
    public void Validate_UnsafeSettings_ThrowNamingTheProblem(LeaderElectionOptions options, string expected)
    {
        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.That(error!.Message, Does.Contain(expected));
    }
}
