using System.Globalization;
using Grpc.Core;
using SlurmK8s.Tests.Integration;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Benchmarks;

/// <summary>
/// `./build.sh bench`: how long after a job's last command red-box tells a companion that it has ended — the time a
/// companion pod (and the slurm.sylabs.io/* budget it holds) outlives the job on red-box's side. The script writes
/// the time of its end; the WatchJobs stream's finished state and the end of its output's TailFile stream are timed
/// against it (one clock), for several --poll-interval values. Prints figures; asserts nothing about them.
/// </summary>
[Category("Benchmark")]
[Explicit("a benchmark: run with ./build.sh bench")]
[NonParallelizable]
public sealed class JobEndLatencyBenchmark
{
    private const int Jobs = 12;

    [Test]
    public async Task FromJobEndToTheCompanionKnowing()
    {
        await RealSlurm.EnsureUpAsync();
        var lines = new List<string> { "--poll-interval   squeue calls/s   job end → WatchJobs says finished   → TailFile ended   (ms: p50 / max, 12 jobs)" };
        foreach (var interval in new[] { "1", "0.5", "0.25" })
        {
            using var dir = new TempDirectory("slurmk8s-end-");
            var tenancy = TestTenancy.Create(dir.Path);
            using var redBox = await RedBoxProcess.StartAsync(Path.Combine(dir.Path, "red-box.sock"), new SlurmK8sProcessOptions { RequirePublished = true },
                "--allow-root", "--tenants", tenancy.File, "--state-dir", Path.Combine(dir.Path, "state"), "--poll-interval", interval);
            // One at a time (a new job wakes the poller early), each a little longer than the one before, so that the
            // job ends fall at every phase of the poll.
            var results = new List<(double Watch, double Tail)>();
            for (var i = 0; i < Jobs; i++)
            {
                results.Add(await OneJobAsync(redBox.Client, 1 + (i * 0.083 % 1)));
            }
            var watched = results.Select(r => r.Watch).Order().ToList();
            var tailed = results.Select(r => r.Tail).Order().ToList();
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{interval,-17} {1 / double.Parse(interval, CultureInfo.InvariantCulture),-16:F0} {watched[Jobs / 2],6:F0} / {watched[^1],-27:F0} {tailed[Jobs / 2],6:F0} / {tailed[^1]:F0}"));
        }
        TestContext.Out.WriteLine(string.Join('\n', lines));
    }

    private static async Task<(double Watch, double Tail)> OneJobAsync(Proto.RedBox.RedBoxClient client, double seconds)
    {
        var script = string.Create(CultureInfo.InvariantCulture, $"#!/bin/sh\nsleep {seconds:F3}\ndate +%s.%N > ended-at\n");
        var submitted = await client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = script, IdempotencyKey = $"end-{Guid.NewGuid():N}" });
        var tail = Task.Run(async () =>
        {
            using var call = client.TailFile(new Proto.TailFileRequest { JobId = submitted.JobId });
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
            }
            return DateTimeOffset.UtcNow;
        });
        DateTimeOffset watchSaid = default;
        using (var call = client.WatchJobs(new Proto.WatchJobsRequest { JobIds = { submitted.JobId } }))
        {
            await foreach (var job in call.ResponseStream.ReadAllAsync())
            {
                if (job.Finished)
                {
                    watchSaid = DateTimeOffset.UtcNow;
                    break;
                }
            }
        }
        var tailEnded = await tail;
        var text = await File.ReadAllTextAsync(Path.Combine(submitted.WorkDir, "ended-at"));
        var ended = DateTimeOffset.FromUnixTimeMilliseconds((long)(decimal.Parse(text.Trim(), CultureInfo.InvariantCulture) * 1000));
        return ((watchSaid - ended).TotalMilliseconds, (tailEnded - ended).TotalMilliseconds);
    }
}
