using SlurmK8s.Operator;

namespace SlurmK8s.Tests.Operator;

internal sealed class CompanionResourcesTests
{
    [TestCase("10m", "32Mi", "128Mi", "cpu 10m, memory 32Mi (at most 128Mi)")]
    [TestCase("0.1", "1Gi", "", "cpu 0.1, memory 1Gi")]
    [TestCase("", "", "256Mi", "memory none requested (at most 256Mi)")]
    [TestCase("1", "128Mi", "128Mi", "cpu 1, memory 128Mi (at most 128Mi)")]
    [TestCase("none", "None", "NONE", "no cpu or memory")]
    public void Create_AcceptedQuantities_AreDescribedAsGiven(string cpu, string request, string limit, string described)
    {
        var (resources, error) = CompanionResources.Create(cpu, request, limit);

        Assert.That(error, Is.Null);
        Assert.That(resources!.Describe(), Is.EqualTo(described));
    }

    [Test]
    public void Default_IsAcceptedByItsOwnRules() =>
        Assert.That(CompanionResources.Create(CompanionResources.Default.CpuRequest, CompanionResources.Default.MemoryRequest, CompanionResources.Default.MemoryLimit),
            Is.EqualTo((CompanionResources.Default, (string?)null)));

    [Test]
    public void Create_ARequestAboveTheLimitInOtherUnits_IsRefused()
    {
        var (resources, error) = CompanionResources.Create("10m", "1G", "512Mi");

        Assert.That(resources, Is.Null);
        Assert.That(error, Does.Contain("--companion-memory-request 1G is more than --companion-memory-limit 512Mi"));
    }
}
