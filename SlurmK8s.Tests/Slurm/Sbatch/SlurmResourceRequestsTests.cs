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

        yield return new TestCaseData(SbatchScriptTests.CowScript(), All, "cpu=1 nodes=1")
            .SetName("For_SeedCowYaml_OneCpuByDefaultSinceDoubleHashIsAComment");
        yield return new TestCaseData(SbatchScriptTests.CowScript(), new HashSet<string> { "slurm.sylabs.io/cpu" }, "cpu=1")
            .SetName("For_SeedCowYaml_OnSeedConfigNamingOnlyCpu");
        yield return Case("SeedDirectiveUncommented", "#SBATCH --nodes=1 --cpus-per-task=1", All, "cpu=1 nodes=1");
        yield return Case("NodesOneTaskEach", "#SBATCH -N 3", All, "cpu=3 nodes=3");
        yield return Case("NodeRangeCountsMinimum", "#SBATCH -N 2-4 -c 3", All, "cpu=6 nodes=2");
        yield return Case("TasksTimesCpusPerTask", "#SBATCH -n 4 -c 2", All, "cpu=8 nodes=1");
        yield return Case("TasksPerNodeTimesNodes", "#SBATCH -N 2 --ntasks-per-node=4 -c 2", All, "cpu=16 nodes=2");
        yield return Case("NtasksWinsOverTasksPerNode", "#SBATCH -N 2 --ntasks-per-node=4 -n 3", All, "cpu=3 nodes=2");
        yield return Case("NodesDerivedFromTasksAndTasksPerNode", "#SBATCH -n 8 --ntasks-per-node=3", All, "cpu=8 nodes=3");
        yield return Case("MemPerNodeTimesNodes", "#SBATCH -N 2 --mem=4G", All, "cpu=2 mem=8192Mi nodes=2");
        yield return Case("MemPerCpuTimesCpus", "#SBATCH -n 8 -c 2 --mem-per-cpu=512", All, "cpu=16 mem=8192Mi nodes=1");
        yield return Case("MemPerGpuTimesGpus", "#SBATCH --gpus=2 --mem-per-gpu=1G", All, "cpu=1 gpu=2 mem=2048Mi nodes=1");
        yield return Case("MemKiBRoundsUpToOneMiB", "#SBATCH --mem=100K", All, "cpu=1 mem=1Mi nodes=1");
        yield return Case("MemZeroIsNotRequested", "#SBATCH --mem=0 -n 4", All, "cpu=4 nodes=1");
        yield return Case("GresGpuTimesNodes", "#SBATCH -N 2 --gres=gpu:tesla:2", All, "cpu=2 gpu=4 nodes=2");
        yield return Case("GresGpuWithoutCount", "#SBATCH --gres=gpu", All, "cpu=1 gpu=1 nodes=1");
        yield return Case("GresGpuZero", "#SBATCH --gres=gpu:0", All, "cpu=1 nodes=1");
        yield return Case("GpusIsForTheWholeJob", "#SBATCH -N 2 --gpus=3 --gres=gpu:1", All, "cpu=2 gpu=3 nodes=2");
        yield return Case("GpusPerNode", "#SBATCH -N 2 --gpus-per-node=a100:2", All, "cpu=2 gpu=4 nodes=2");
        yield return Case("GpusPerTask", "#SBATCH -n 4 --gpus-per-task=1", All, "cpu=4 gpu=4 nodes=1");
        yield return Case("OtherGresWhenAdvertised", "#SBATCH -N 2 --gres=gpu:1,mps:50", [.. All, "slurm.sylabs.io/mps"], "cpu=2 gpu=2 mps=100 nodes=2");
        yield return Case("OtherGresNotAdvertised", "#SBATCH --gres=mps:50", All, "cpu=1 nodes=1");
        yield return Case("OnlyAdvertisedResources", "#SBATCH -N 2 -n 4 --mem=1G --gres=gpu:1", ["slurm.sylabs.io/cpu", "slurm.sylabs.io/mem"], "cpu=4 mem=2048Mi");
        yield return Case("NothingAdvertised", "#SBATCH -n 4", [], "");
        yield return Case("ForeignResourcesIgnored", "#SBATCH -n 4", ["example.com/cpu", "cpu", "slurm.sylabs.io/cpu"], "cpu=4");
        yield return Case("PartitionTimeAndArrayAreNotResources", "#SBATCH -p debug -t 10 --array=1-3", All, "cpu=1 nodes=1");
        yield return Case("HugeValuesSaturateInsteadOfWrapping", "#SBATCH -N 2m --mem=9999999T", All, "cpu=2097152 mem=9223372036854775807Mi nodes=2097152");
    }

    [TestCaseSource(nameof(MappingCases))]
    public void For_MapsDirectivesToAdvertisedResources(string script, HashSet<string> advertised, string expected)
    {
        var parsed = SbatchScript.Parse(script);
        Assert.That(parsed.IsValid, Is.True, () => parsed.Error!.Message);

        var requests = SlurmResourceRequests.For(parsed.Directives!, advertised);

        var described = string.Join(' ', requests.Select(r => $"{r.Key[SlurmNodeKeys.Prefix.Length..]}={r.Value}"));
        Assert.That(described, Is.EqualTo(expected));
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
