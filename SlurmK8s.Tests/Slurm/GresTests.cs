using SlurmK8s.Slurm;

namespace SlurmK8s.Tests.Slurm;

public sealed class GresTests
{
    [TestCase("gpu:tesla:2", "gpu", 2)]
    [TestCase("gpu:2", "gpu", 2)]
    [TestCase("gpu", "gpu", 1)]
    [TestCase("gpu:tesla", "gpu", 1)]
    [TestCase("gpu:1g.5gb", "gpu", 1)]
    [TestCase("gpu:tesla:4(S:0-1)", "gpu", 4)]
    [TestCase("gres/gpu:3", "gpu", 3)]
    [TestCase("mps:100", "mps", 100)]
    [TestCase("mps:1K", "mps", 1024)]
    [TestCase("bandwidth:lustre:4G", "bandwidth", 4L << 30)]
    public void TryParseItem_SlurmsForms(string item, string name, long count)
    {
        Assert.That(Gres.TryParseItem(item, out var parsedName, out var parsedCount), Is.True);
        Assert.That((parsedName, parsedCount), Is.EqualTo((name, count)));
    }

    [TestCase("")]
    [TestCase(":2")]
    [TestCase("gpu:a:b:2")]
    [TestCase("gpu::2")]
    [TestCase("gpu:a100:x")]
    public void TryParseItem_NotAGres(string item) => Assert.That(Gres.TryParseItem(item, out _, out _), Is.False);

    [Test]
    public void TryParseList_SumsByNameOverTypes()
    {
        Assert.That(Gres.TryParseList("gpu:a100:1,gpu:v100:2,mps:100", out var counts), Is.True);
        Assert.That(counts, Is.EqualTo(new Dictionary<string, long> { ["gpu"] = 3, ["mps"] = 100 }));
    }

    [TestCase("none")]
    [TestCase("NONE")]
    public void TryParseList_None_IsNothing(string text)
    {
        Assert.That(Gres.TryParseList(text, out var counts), Is.True);
        Assert.That(counts, Is.Empty);
    }

    [Test]
    public void TryParseList_AnEmptyItem_IsNotAList() => Assert.That(Gres.TryParseList("gpu:2,", out _), Is.False);

    [TestCase("24", 24)]
    [TestCase("4G", 4L << 30)]
    [TestCase("1p", 1L << 50)]
    public void SlurmResources_TryParseCount_TakesSlurmsSuffixes(string text, long value)
    {
        Assert.That(SlurmResources.TryParseCount(text, out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(value));
    }

    [TestCase("")]
    [TestCase("-1")]
    [TestCase("G")]
    [TestCase("9999999T")]
    public void SlurmResources_TryParseCount_RefusesTheRest(string text) => Assert.That(SlurmResources.TryParseCount(text, out _), Is.False);
}
