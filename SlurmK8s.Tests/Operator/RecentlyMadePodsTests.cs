using k8s.Models;
using SlurmK8s.Operator;
using SlurmK8s.Tests.Fakes;
using static SlurmK8s.Tests.Builders.SlurmJobBuilder;

namespace SlurmK8s.Tests.Operator;

/// <summary>Only pods this operator made lately take room before they are placed.</summary>
internal sealed class RecentlyMadePodsTests
{
    private static V1Pod Unplaced(string name, string phase = "Pending") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { Containers = [] },
        Status = new V1PodStatus { Phase = phase },
    };

    [Test]
    public void Unplaced_OnlyOursMadeWithinThePlacingTime_NotYetPlacedAndLive()
    {
        var pods = new FakeCache<V1Pod>();
        var made = new RecentlyMadePods(pods);
        var placed = Unplaced("placed-job");
        placed.Spec.NodeName = "vm";
        pods.Set(Unplaced("ours-job"), Unplaced("tenants-job"), placed, Unplaced("ended-job", phase: "Failed"));
        made.Made("default/ours-job", Now);
        made.Made("default/placed-job", Now);
        made.Made("default/ended-job", Now);
        made.Made("default/not-in-the-cache-yet-job", Now);

        Assert.That(made.Unplaced(Now + CompanionAdmission.Placing).Select(p => p.Metadata.Name), Is.EqualTo(new[] { "ours-job" }));
        Assert.That(made.Unplaced(Now + CompanionAdmission.Placing + TimeSpan.FromSeconds(1)), Is.Empty, "past the placing time it waits on something else");
    }
}
