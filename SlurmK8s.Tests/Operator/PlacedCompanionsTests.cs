using k8s.Models;
using SlurmK8s.Operator;
using SlurmK8s.Tests.Fakes;
using static SlurmK8s.Tests.Builders.BudgetBuilder;

namespace SlurmK8s.Tests.Operator;

/// <summary>What placed companions take of each node, from the pod cache, summed again only when the cache changed.</summary>
internal sealed class PlacedCompanionsTests
{
    private FakeCache<V1Pod> _pods = null!;
    private PlacedCompanions _placed = null!;

    [SetUp]
    public void SetUp()
    {
        _pods = new FakeCache<V1Pod>();
        _placed = new PlacedCompanions(_pods);
    }

    private decimal TakenOn(string node) => _placed.ByNode().GetValueOrDefault(node)?.GetValueOrDefault(Cpu) ?? 0m;

    [Test]
    public void ByNode_APodDeleted_OrEnded_FreesItsRoom()
    {
        V1Pod a = Asking(1, "a-job", "vm"), b = Asking(2, "b-job", "vm"), c = Asking(1, "c-job", "vm-2");
        _pods.Set(a, b, c);
        Assert.That((TakenOn("vm"), TakenOn("vm-2")), Is.EqualTo((3m, 1m)));

        _pods.Set(a, c);   // b deleted
        Assert.That(TakenOn("vm"), Is.EqualTo(1m));

        _pods.Set(a, Asking(1, "c-job", "vm-2", phase: "Succeeded", version: "2"));
        Assert.That(TakenOn("vm-2"), Is.EqualTo(0m), "an ended companion holds nothing");
    }

    [Test]
    public void ByNode_AfterARelistThatMissedADeletionAndAReplacement_IsTheCacheAsItIsNow()
    {
        _pods.Set(Asking(1, "a-job", "vm"), Asking(1, "b-job", "vm"), Asking(1, "c-job", null));
        Assert.That(TakenOn("vm"), Is.EqualTo(2m));

        // A relist: b went while no watch looked, a was made again (a new version, on another node), c was placed.
        _pods.Set(Asking(2, "a-job", "vm-2", version: "7"), Asking(1, "c-job", "vm", version: "8"));

        Assert.That((TakenOn("vm"), TakenOn("vm-2")), Is.EqualTo((1m, 2m)));
    }

    [Test]
    public void ByNode_WhileTheCacheIsUnchanged_IsNotSummedAgain()
    {
        _pods.Set(Asking(1, "a-job", "vm"));

        var first = _placed.ByNode();

        Assert.That(_placed.ByNode(), Is.SameAs(first));
        _pods.Set(Asking(1, "a-job", "vm"));
        Assert.That(_placed.ByNode(), Is.Not.SameAs(first), "a change to the cache, even one that frees nothing, sums again");
    }
}
