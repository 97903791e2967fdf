using System.Globalization;
using k8s.Models;
using SlurmK8s.Operator;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.Operator;

/// <summary>What placed companions take of each node, from the pod cache, summed again only when the cache changed.</summary>
internal sealed class PlacedCompanionsTests
{
    private const string Cpu = "slurm.sylabs.io/cpu";
    private FakeCache<V1Pod> _pods = null!;
    private PlacedCompanions _placed = null!;

    [SetUp]
    public void SetUp()
    {
        _pods = new FakeCache<V1Pod>();
        _placed = new PlacedCompanions(_pods);
    }

    private static V1Pod Companion(string name, string? node, int cpus, string phase = "Running", string version = "1") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", ResourceVersion = version },
        Spec = new V1PodSpec
        {
            NodeName = node,
            Containers = [new V1Container { Name = "companion", Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { [Cpu] = new(cpus.ToString(CultureInfo.InvariantCulture)) } } }],
        },
        Status = new V1PodStatus { Phase = phase },
    };

    private decimal TakenOn(string node) => _placed.ByNode().GetValueOrDefault(node)?.GetValueOrDefault(Cpu) ?? 0m;

    [Test]
    public void ByNode_APodDeleted_OrEnded_FreesItsRoom()
    {
        V1Pod a = Companion("a-job", "vm", 1), b = Companion("b-job", "vm", 2), c = Companion("c-job", "vm-2", 1);
        _pods.Set(a, b, c);
        Assert.That((TakenOn("vm"), TakenOn("vm-2")), Is.EqualTo((3m, 1m)));

        _pods.Set(a, c);   // b deleted
        Assert.That(TakenOn("vm"), Is.EqualTo(1m));

        _pods.Set(a, Companion("c-job", "vm-2", 1, phase: "Succeeded", version: "2"));
        Assert.That(TakenOn("vm-2"), Is.EqualTo(0m), "an ended companion holds nothing");
    }

    [Test]
    public void ByNode_AfterARelistThatMissedADeletionAndAReplacement_IsTheCacheAsItIsNow()
    {
        _pods.Set(Companion("a-job", "vm", 1), Companion("b-job", "vm", 1), Companion("c-job", null, 1));
        Assert.That(TakenOn("vm"), Is.EqualTo(2m));

        // A relist: b went while no watch looked, a was made again (a new version, on another node), c was placed.
        _pods.Set(Companion("a-job", "vm-2", 2, version: "7"), Companion("c-job", "vm", 1, version: "8"));

        Assert.That((TakenOn("vm"), TakenOn("vm-2")), Is.EqualTo((1m, 2m)));
    }

    [Test]
    public void ByNode_WhileTheCacheIsUnchanged_IsNotSummedAgain()
    {
        _pods.Set(Companion("a-job", "vm", 1));

        var first = _placed.ByNode();

        Assert.That(_placed.ByNode(), Is.SameAs(first));
        _pods.Set(Companion("a-job", "vm", 1));
        Assert.That(_placed.ByNode(), Is.Not.SameAs(first), "a change to the cache, even one that frees nothing, sums again");
    }
}
