using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Resourced;

namespace SlurmK8s.Tests.Resourced;

internal sealed class NodeConfigWatcherTests
{
    // Generous: these prove the watcher reacts to the event, not how fast; the periodic re-read is set to a minute
    // so that it cannot be what delivers the change.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan NoPoll = TimeSpan.FromMinutes(1);

    [Test]
    public async Task ReadChanges_PlainFileRewritten_YieldsTheNewContent()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("slurm");
        await File.WriteAllTextAsync(file, "a: {}\n");
        using var cts = new CancellationTokenSource();
        await using var changes = Watcher(file, NoPoll).ReadChangesAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.That(await NextAsync(changes), Is.EqualTo("a: {}\n"));
        await File.WriteAllTextAsync(file, "b: {}\n");
        Assert.That(await NextAsync(changes), Is.EqualTo("b: {}\n"));
        await cts.CancelAsync();
    }

    [Test]
    public async Task ReadChanges_KubeletSwapsTheDataSymlink_YieldsTheNewContent()
    {
        using var dir = new TempDirectory();
        var configMap = new KubeletConfigMapDirectory(dir.Path);
        await configMap.WriteAsync("v1: {}\n");
        using var cts = new CancellationTokenSource();
        await using var changes = Watcher(configMap.FilePath, NoPoll).ReadChangesAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.That(await NextAsync(changes), Is.EqualTo("v1: {}\n"));
        await configMap.WriteAsync("v2: {}\n");
        Assert.That(await NextAsync(changes), Is.EqualTo("v2: {}\n"));
        await configMap.WriteAsync("v3: {}\n");
        Assert.That(await NextAsync(changes), Is.EqualTo("v3: {}\n"));
        await cts.CancelAsync();
    }

    [Test]
    public async Task ReadChanges_SameContentRewritten_YieldsNothingUntilItDiffers()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("slurm");
        await File.WriteAllTextAsync(file, "a: {}\n");
        using var cts = new CancellationTokenSource();
        await using var changes = Watcher(file, NoPoll).ReadChangesAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.That(await NextAsync(changes), Is.EqualTo("a: {}\n"));

        await File.WriteAllTextAsync(file, "a: {}\n");
        await Task.Delay(400); // past the debounce, so the rewrite is read on its own
        await File.WriteAllTextAsync(file, "c: {}\n");

        Assert.That(await NextAsync(changes), Is.EqualTo("c: {}\n"));
        await cts.CancelAsync();
    }

    [Test]
    public async Task ReadChanges_FileMissingThenCreatedThenDeleted_YieldsNullThenContentThenNull()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("slurm");
        using var cts = new CancellationTokenSource();
        await using var changes = Watcher(file, NoPoll).ReadChangesAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.That(await NextAsync(changes), Is.Null);
        await File.WriteAllTextAsync(file, "a: {}\n");
        Assert.That(await NextAsync(changes), Is.EqualTo("a: {}\n"));
        File.Delete(file);
        Assert.That(await NextAsync(changes), Is.Null);
        await cts.CancelAsync();
    }

    [Test]
    public async Task ReadChanges_DirectoryCreatedAfterStart_IsFoundByTheRereadAndThenWatched()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("later", "slurm");
        using var cts = new CancellationTokenSource();
        await using var changes = Watcher(file, TimeSpan.FromMilliseconds(200)).ReadChangesAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.That(await NextAsync(changes), Is.Null);

        Directory.CreateDirectory(dir.Combine("later"));
        await File.WriteAllTextAsync(file, "a: {}\n");

        Assert.That(await NextAsync(changes), Is.EqualTo("a: {}\n"));
        await cts.CancelAsync();
    }

    private static NodeConfigWatcher Watcher(string file, TimeSpan pollInterval) =>
        new(file, TimeSpan.FromMilliseconds(50), pollInterval, NullLogger<NodeConfigWatcher>.Instance);

    private static async Task<string?> NextAsync(IAsyncEnumerator<string?> changes)
    {
        var next = changes.MoveNextAsync().AsTask();
        if (await Task.WhenAny(next, Task.Delay(Patience)) != next)
        {
            Assert.Fail($"no change seen within {Patience.TotalSeconds} s");
        }
        Assert.That(await next, Is.True);
        return changes.Current;
    }
}
