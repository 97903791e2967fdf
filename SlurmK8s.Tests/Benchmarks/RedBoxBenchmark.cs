using System.Diagnostics;
using System.Globalization;
using SlurmK8s.Os;
using SlurmK8s.Tests.Integration;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Benchmarks;

/// <summary>
/// `./build.sh bench`: red-box's SubmitJob and JobInfo against the raw `sbatch --parsable` and `scontrol show job`,
/// measured side by side in one run on the real Slurm, at concurrency 1 and 8. Prints figures; asserts nothing about speed.
/// </summary>
[Category("Benchmark")]
[Explicit("a benchmark: run with ./build.sh bench")]
[NonParallelizable]
public sealed class RedBoxBenchmark
{
    private const string Script = "#!/bin/sh\n#SBATCH --hold\ntrue\n";
    private const int Rounds = 3;

    [Test]
    public async Task RedBoxAgainstRawSlurmCommands()
    {
        RealSlurm.EnsureUp();
        using var dir = new TempDirectory("slurmk8s-bench-");
        await using var redBox = await InProcessRedBox.StartAsync(dir.Path, TimeSpan.FromSeconds(1));
        var client = redBox.Client;
        var runner = new ProcessRunner();
        var workDir = redBox.Options.WorkDir;
        var submitted = new List<long>();

        async Task<long> RawSubmit()
        {
            var result = await runner.RunAsync("sbatch", ["--parsable", $"--chdir={workDir}"], Script, CancellationToken.None);
            return long.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
        }
        async Task<long> RedBoxSubmit() => await client.SubmitAsync(Script, "bench-" + Guid.NewGuid().ToString("N"));

        var probe = await RawSubmit();
        submitted.Add(probe);
        await client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { probe } }); // warm: the job is now in the shared cache

        var lines = new List<string> { "operation                     conc     p50 ms    p99 ms     ops/s" };
        var ratios = new List<string>();
        foreach (var concurrency in new[] { 1, 8 })
        {
            // Interleaved rounds so that both sides see the same machine and the same Slurm.
            var raw = new List<double>();
            var ours = new List<double>();
            double rawSeconds = 0, oursSeconds = 0;
            for (var round = 0; round < Rounds; round++)
            {
                var (r, rs) = await MeasureAsync(concurrency, 24, async () => submitted.Add(await RawSubmit()));
                var (o, os) = await MeasureAsync(concurrency, 24, async () => submitted.Add(await RedBoxSubmit()));
                raw.AddRange(r); ours.AddRange(o); rawSeconds += rs; oursSeconds += os;
            }
            lines.Add(Row("raw sbatch --parsable", concurrency, raw, rawSeconds));
            lines.Add(Row("red-box SubmitJob (with key)", concurrency, ours, oursSeconds));
            ratios.Add($"SubmitJob  c={concurrency}: red-box p50 / raw p50 = {Percentile(ours, 50) / Percentile(raw, 50):F2}x");

            raw.Clear(); ours.Clear(); rawSeconds = 0; oursSeconds = 0;
            for (var round = 0; round < Rounds; round++)
            {
                var (r, rs) = await MeasureAsync(concurrency, 40, async () =>
                    await runner.RunAsync("scontrol", ["--oneliner", "show", "job", probe.ToString(CultureInfo.InvariantCulture)], null, CancellationToken.None));
                var (o, os) = await MeasureAsync(concurrency, 400, async () =>
                    await client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { probe } }));
                raw.AddRange(r); ours.AddRange(o); rawSeconds += rs; oursSeconds += os;
            }
            lines.Add(Row("raw scontrol show job", concurrency, raw, rawSeconds));
            lines.Add(Row("red-box JobInfo (cached)", concurrency, ours, oursSeconds));
            ratios.Add($"JobInfo    c={concurrency}: raw p50 / red-box p50 = {Percentile(raw, 50) / Percentile(ours, 50):F1}x faster");
        }

        foreach (var id in submitted)
        {
            await runner.RunAsync("scancel", [id.ToString(CultureInfo.InvariantCulture)], null, CancellationToken.None);
        }
        TestContext.Out.WriteLine(string.Join('\n', lines));
        TestContext.Out.WriteLine(string.Join('\n', ratios));
        TestContext.Out.WriteLine($"red-box ran squeue {redBox.Runner.Count("squeue")} times and sacct {redBox.Runner.Count("sacct")} times in all (start-up recovery included)");
    }

    private static async Task<(List<double> Millis, double Seconds)> MeasureAsync(int concurrency, int operations, Func<Task> operation)
    {
        var millis = new List<double>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < operations)
            {
                var one = Stopwatch.StartNew();
                await operation();
                lock (millis)
                {
                    millis.Add(one.Elapsed.TotalMilliseconds);
                }
            }
        })));
        return (millis, clock.Elapsed.TotalSeconds);
    }

    private static string Row(string name, int concurrency, List<double> millis, double seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{name,-29} {concurrency,4} {Percentile(millis, 50),10:F2} {Percentile(millis, 99),9:F2} {millis.Count / seconds,9:F0}");

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
