using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.RedBox;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.RedBox;

public sealed class OutputFollowerTests
{
    [Test]
    public async Task Follow_FromAnOffset_ResumesAtThatByteAndSaysWhereEachChunkStarts()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("slurm-1.out");
        await File.WriteAllTextAsync(path, "one\ntwo\nthree\n");
        var slurm = new FakeSlurm();
        var id = await slurm.SubmitAsync(new BatchSubmission("#!/bin/sh", dir.Path), CancellationToken.None);
        slurm.Set(id, JobState.Completed);
        using var cache = new JobStateCache(slurm, new JobStateCacheOptions(TimeSpan.FromMilliseconds(20), TimeSpan.FromHours(1), _ => Task.FromResult(true)),
            NullLogger<JobStateCache>.Instance);
        await cache.StartAsync(CancellationToken.None);
        var follower = new OutputFollower(cache, TimeSpan.FromMilliseconds(10));

        // Where a client that had read "one\n" before red-box went away asks to resume.
        var chunks = new List<(long Offset, string Text)>();
        await foreach (var chunk in follower.FollowAsync(new ServedRoots(dir.Path, [dir.Path], readAs: null), path, id, offset: 4, CancellationToken.None))
        {
            chunks.Add((chunk.Offset, Encoding.UTF8.GetString(chunk.Content.Span)));
        }
        await cache.StopAsync(CancellationToken.None);

        Assert.That(chunks, Is.EqualTo(new[] { (4L, "two\nthree\n") }));
    }
}
