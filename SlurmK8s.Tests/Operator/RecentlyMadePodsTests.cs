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
        foreach (var name in new[] { "ours-job", "placed-job", "ended-job" })
        {
            made.Made("default/" + name, null, OneCpu, Now);
        }

        Assert.That(made.Unplaced(Now + CompanionAdmission.Placing), Has.Count.EqualTo(1));
        Assert.That(made.Unplaced(Now + CompanionAdmission.Placing + TimeSpan.FromSeconds(1)), Is.Empty, "past the placing time it waits on something else");
    }

    [Test]
    public void Unplaced_RoomGivenBeforeThePodReachesTheCache_CountsAsGiven_UntilThePodIsSeenAndGone()
    {
        var pods = new FakeCache<V1Pod>();
        var made = new RecentlyMadePods(pods);
        var selector = new Dictionary<string, string> { ["cluster"] = "first" };
        made.Made("default/new-job", selector, OneCpu, Now);

        var given = made.Unplaced(Now);
        pods.Set(Unplaced("new-job"));
        var seen = made.Unplaced(Now);
        pods.Set();
        var gone = made.Unplaced(Now);

        Assert.That(given.Select(u => (u.Selector, u.Amounts[Cpu])), Is.EqualTo(new[] { ((IDictionary<string, string>?)selector, 1m) }), "not in the cache yet: as given");
        Assert.That(seen, Has.Count.EqualTo(1), "in the cache and unplaced: as the pod says");
        Assert.That(gone, Is.Empty, "seen, then gone from the cache: deleted, it takes nothing");
    }

    [Test]
    public void GiveBack_RoomGivenToAJobThatMadeNoPod_IsFreeAtOnce()
    {
        var made = new RecentlyMadePods(new FakeCache<V1Pod>());
        made.Made("default/bad-job", null, OneCpu, Now);

        made.GiveBack("default/bad-job");

        Assert.That(made.Unplaced(Now), Is.Empty);
    }

    private const string Cpu = SlurmK8s.Slurm.Sbatch.SlurmResourceRequests.Cpu;

    private static readonly IReadOnlyDictionary<string, decimal> OneCpu = new Dictionary<string, decimal> { [Cpu] = 1m };
}
