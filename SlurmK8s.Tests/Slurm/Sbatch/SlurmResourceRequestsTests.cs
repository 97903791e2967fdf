using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm.Sbatch;

namespace SlurmK8s.Tests.Slurm.Sbatch;

/// <summary>From a script to the companion pod's slurm.sylabs.io/* requests, case by case.</summary>
internal sealed class SlurmResourceRequestsTests
{
    private static readonly HashSet<string> All =
        ["slurm.sylabs.io/cpu", "slurm.sylabs.io/mem", "slurm.sylabs.io/gpu", "slurm.sylabs.io/nodes"];

    private static IEnumerable<TestCaseData> MappingCases()
    {
        TestCaseData Case(string name, string directives, IEnumerable<string> advertised, string expected) =>
            new TestCaseData($"#!/bin/sh\n{directives}\nsrun hostname\n", advertised.ToHashSet(), expected).SetName("For_" + name);

        yield return new TestCaseData(SbatchScriptTests.CowScript(), All, "cpu=1")
            .SetName("For_SeedCowYaml_OneCpuByDefaultSinceDoubleHashIsAComment");
        yield return new TestCaseData(SbatchScriptTests.CowScript(), new HashSet<string> { "slurm.sylabs.io/cpu" }, "cpu=1")
            .SetName("For_SeedCowYaml_OnSeedConfigNamingOnlyCpu");
        yield return Case("SeedDirectiveUncommented_SharesItsNodeSoCountsNoNode", "#SBATCH --nodes=1 --cpus-per-task=1", All, "cpu=1");
        // Where a case says "sbatch:", `sbatch --test-only` on three 2-CPU nodes (Slurm 22.05, cons_tres) said "using N processors".
        yield return Case("NodesOneCpuEach", "#SBATCH -N 3", All, "cpu=3");                                         // sbatch: 3
        yield return Case("NodeRangeCountsMinimum", "#SBATCH -N 2-4 -c 3", All, "cpu=6");
        yield return Case("FewerTasksThanNodesLowersTheNodes", "#SBATCH -N 3 -n 1", All, "cpu=1");                  // sbatch: 1, "setting nnodes to 1"
        yield return Case("TasksTimesCpusPerTask", "#SBATCH -n 4 -c 2", All, "cpu=8");
        yield return Case("TasksPerNodeTimesNodes", "#SBATCH -N 2 --ntasks-per-node=4 -c 2", All, "cpu=16");
        yield return Case("TasksPerNodeFillsEachNodeBeyondNtasks", "#SBATCH -N 2 -n 3 --ntasks-per-node=2", All, "cpu=4");   // sbatch: 4
        yield return Case("TasksPerNodeWithDerivedNodes", "#SBATCH -n 3 --ntasks-per-node=2", All, "cpu=4");                // sbatch: 4
        yield return Case("TasksPerNodeOnOneNodeBoundedByNtasks", "#SBATCH -N 1 -n 1 --ntasks-per-node=2", All, "cpu=1");   // sbatch: 1
        yield return Case("TasksPerNodeWithCpusPerTask", "#SBATCH -N 2 --ntasks-per-node=1 -c 2", All, "cpu=4");            // sbatch: 4
        yield return Case("NodesDerivedFromTasksAndTasksPerNode", "#SBATCH -n 8 --ntasks-per-node=3", All, "cpu=9");
        yield return Case("MinCpusPerNode", "#SBATCH -N 2 --mincpus=2", All, "cpu=4");                              // sbatch: 4
        yield return Case("OvercommitOneTaskPerNode", "#SBATCH -n 4 -O", All, "cpu=1");                             // sbatch: 1
        yield return Case("OvercommitKeepsCpusPerTask", "#SBATCH -n 2 -c 2 --overcommit", All, "cpu=2");            // sbatch: 2
        yield return Case("ExclusiveCountsItsNodes", "#SBATCH -N 2 --exclusive", All, "cpu=2 nodes=2");
        yield return Case("ExclusiveUserCountsItsNodes", "#SBATCH -N 2 --exclusive=user", All, "cpu=2 nodes=2");    // sbatch: 1 processor per node
        yield return Case("ExclusiveMcsCountsItsNodes", "#SBATCH --exclusive=MCS", All, "cpu=1 nodes=1");
        yield return Case("OversubscribeAfterExclusiveWins", "#SBATCH --exclusive -s", All, "cpu=1");              // sbatch: 1
        yield return Case("ExclusiveAfterOversubscribeWins", "#SBATCH --oversubscribe --exclusive", All, "cpu=1 nodes=1");
        yield return Case("MemPerNodeTimesNodes", "#SBATCH -N 2 --mem=4G", All, "cpu=2 mem=8192Mi");
        yield return Case("MemPerCpuTimesCpus", "#SBATCH -n 8 -c 2 --mem-per-cpu=512", All, "cpu=16 mem=8192Mi");
        yield return Case("MemPerGpuTimesGpus", "#SBATCH --gpus=2 --mem-per-gpu=1G", All, "cpu=1 gpu=2 mem=2048Mi");
        yield return Case("MemKiBRoundsUpToOneMiB", "#SBATCH --mem=100K", All, "cpu=1 mem=1Mi");
        yield return Case("MemZeroWithoutNodeShapeIsNotRequested", "#SBATCH --mem=0 -n 4", All, "cpu=4");
        yield return Case("GresGpuTimesNodes", "#SBATCH -N 2 --gres=gpu:tesla:2", All, "cpu=2 gpu=4");
        yield return Case("GresGpuWithoutCount", "#SBATCH --gres=gpu", All, "cpu=1 gpu=1");
        yield return Case("GresGpuZero", "#SBATCH --gres=gpu:0", All, "cpu=1");
        yield return Case("GpusIsForTheWholeJob", "#SBATCH -N 2 --gpus=3 --gres=gpu:1", All, "cpu=2 gpu=3");
        yield return Case("GpusPerNode", "#SBATCH -N 2 --gpus-per-node=a100:2", All, "cpu=2 gpu=4");
        yield return Case("GpusPerTask", "#SBATCH -n 4 --gpus-per-task=1", All, "cpu=4 gpu=4");
        yield return Case("OtherGresWhenAdvertised", "#SBATCH -N 2 --gres=gpu:1,mps:50", [.. All, "slurm.sylabs.io/mps"], "cpu=2 gpu=2 mps=100");
        yield return Case("OtherGresNotAdvertised", "#SBATCH --gres=mps:50", All, "cpu=1");
        yield return Case("OnlyAdvertisedResources", "#SBATCH -N 2 -n 4 --mem=1G --gres=gpu:1 --exclusive", ["slurm.sylabs.io/cpu", "slurm.sylabs.io/mem"], "cpu=4 mem=2048Mi");
        yield return Case("NothingAdvertised", "#SBATCH -n 4", [], "");
        yield return Case("ForeignResourcesIgnored", "#SBATCH -n 4", ["example.com/cpu", "cpu", "slurm.sylabs.io/cpu"], "cpu=4");
        yield return Case("PartitionTimeAndArrayAreNotResources", "#SBATCH -p debug -t 10 --array=1-3", All, "cpu=1");
        yield return Case("HugeValuesSaturateInsteadOfWrapping", "#SBATCH -N 2m --mem=9999999T --exclusive", All, "cpu=2097152 mem=9223372036854775807Mi nodes=2097152");
    }

    /// <summary>Jobs on a cluster of 2-CPU nodes with 2000 MB and 4 GPUs each (the shape the operator reads from a node's capacity).</summary>
    private static IEnumerable<TestCaseData> WholeNodeCases()
    {
        TestCaseData Case(string name, string directives, string expected) =>
            new TestCaseData($"#!/bin/sh\n{directives}\nsrun hostname\n", expected).SetName("For_WithNodeShape_" + name);

        yield return Case("ExclusiveTakesAllCpusAndGresOfItsNode", "#SBATCH --exclusive", "cpu=2 gpu=4 nodes=1");
        yield return Case("ExclusiveTakesAllCpusOfEachNode", "#SBATCH -N 2 --exclusive", "cpu=4 gpu=8 nodes=2");              // sbatch: 4
        yield return Case("ExclusiveTakesEnoughNodesForItsTasks", "#SBATCH -n 3 --exclusive", "cpu=4 gpu=8 nodes=2");         // sbatch: 4 on 2 nodes
        yield return Case("ExclusiveTakesAllGresButOnlyTheMemoryAsked", "#SBATCH --exclusive --mem=500 --gres=gpu:1", "cpu=2 gpu=4 mem=500Mi nodes=1");
        yield return Case("ExclusiveUserTakesOnlyWhatItAsks", "#SBATCH --exclusive=user", "cpu=1 nodes=1");            // sbatch: 1
        yield return Case("MemZeroTakesAllMemoryOfItsNode", "#SBATCH --mem=0", "cpu=1 mem=2000Mi");
        yield return Case("MemZeroTakesAllMemoryOfEachNode", "#SBATCH -N 2 --mem=0", "cpu=2 mem=4000Mi");
        yield return Case("SharedJobUnchanged", "#SBATCH -n 1 --gres=gpu:1", "cpu=1 gpu=1");
    }

    [TestCaseSource(nameof(WholeNodeCases))]
    public void For_WithNodeShape_CountsWholeNodes(string script, string expected)
    {
        var shape = new SlurmNodeShape(2, 2000, new Dictionary<string, long> { ["gpu"] = 4 });

        var requests = SlurmResourceRequests.For(SbatchScript.Parse(script).Directives!, All, shape);

        Assert.That(Describe(requests), Is.EqualTo(expected));
    }

    [Test]
    public void For_SingleCpuJobsOnThreeTwoCpuNodes_SixFitTheDemoCapacity()
    {
        // manifests/slurm-config.yaml for scripts/slurm.sh's three nodes of 2 CPUs and 2000 MB: Slurm runs six such jobs at once.
        var capacity = new Dictionary<string, long> { [SlurmResourceRequests.Cpu] = 6, [SlurmResourceRequests.Memory] = 6000, [SlurmResourceRequests.Nodes] = 3 };
        var requests = SlurmResourceRequests.For(SbatchScript.Parse(SbatchScriptTests.CowScript()).Directives!, All);

        var fit = 0;
        var used = capacity.Keys.ToDictionary(k => k, _ => 0L);
        while (requests.All(r => used[r.Key] + Amount(r.Value) <= capacity[r.Key]))
        {
            foreach (var (key, value) in requests)
            {
                used[key] += Amount(value);
            }
            fit++;
        }

        Assert.That(fit, Is.EqualTo(6));
    }

    [Test]
    public void For_ExclusiveJobsOnThreeTwoCpuNodes_ThreeFitTheDemoCapacity()
    {
        var capacity = new Dictionary<string, long> { [SlurmResourceRequests.Cpu] = 6, [SlurmResourceRequests.Nodes] = 3 };
        var shape = SlurmNodeShape.FromCapacity(new Dictionary<string, decimal> { ["cpu"] = 6, ["mem"] = 6000m * 1024 * 1024, ["nodes"] = 3 });
        var requests = SlurmResourceRequests.For(SbatchScript.Parse("#SBATCH --exclusive\n").Directives!, All, shape);

        var fits = capacity.Keys.Min(k => capacity[k] / Amount(requests[k]));

        Assert.That(fits, Is.EqualTo(3));
    }

    private static long Amount(string quantity) => long.Parse(quantity.Replace("Mi", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private static string Describe(IReadOnlyDictionary<string, string> requests) =>
        string.Join(' ', requests.Select(r => $"{r.Key[SlurmNodeKeys.Prefix.Length..]}={r.Value}"));

    [TestCaseSource(nameof(MappingCases))]
    public void For_MapsDirectivesToAdvertisedResources(string script, HashSet<string> advertised, string expected)
    {
        var parsed = SbatchScript.Parse(script);
        Assert.That(parsed.IsValid, Is.True, () => parsed.Error!.Message);

        var requests = SlurmResourceRequests.For(parsed.Directives!, advertised);

        Assert.That(Describe(requests), Is.EqualTo(expected));
        Assert.That(requests.Keys, Is.All.StartsWith(SlurmNodeKeys.Prefix));
    }

    [Test]
    public void For_NoDirectives_DefaultsToOneNodeOneTaskOneCpu()
    {
        var d = SbatchDirectives.None;

        Assert.Multiple(() =>
        {
            Assert.That(d.NodeCount, Is.EqualTo(1));
            Assert.That(d.TaskCount, Is.EqualTo(1));
            Assert.That(d.CpuCount, Is.EqualTo(1));
            Assert.That(d.GpuCount, Is.Zero);
            Assert.That(d.MemoryMiB, Is.Null);
            Assert.That(d.WantsAllNodeMemory, Is.False);
            Assert.That(d.TakesWholeNodes, Is.False);
        });
    }

    [Test]
    public void For_MemZero_IsRecordedAsAllOfEachNode()
    {
        var d = SbatchScript.Parse("#SBATCH --mem=0\n").Directives!;

        Assert.That(d.WantsAllNodeMemory, Is.True);
        Assert.That(d.MemoryMiB, Is.Null);
    }
}
