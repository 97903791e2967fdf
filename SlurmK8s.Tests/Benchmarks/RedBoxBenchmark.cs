using System.Diagnostics;
using System.Globalization;
using SlurmK8s.Os;
using SlurmK8s.RedBox;
using SlurmK8s.Tests.Integration;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxContract;

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

    // Submissions per side and concurrency: enough that run-to-run noise in the p50 stays below the 10% being judged.
    private const int Submits = 400;

    [Test]
    public async Task RedBoxAgainstRawSlurmCommands()
    {
        await RealSlurm.EnsureUpAsync();
        // Process.Start blocks its thread (fork/exec). With the default minimum of one pool thread per core, this process's
        // eight raw-sbatch workers starved the gRPC client's continuations and charged ~8 ms per call to red-box's side.
        ThreadPool.SetMinThreads(32, 32);
        using var dir = new TempDirectory("slurmk8s-bench-");
        // The deployed artifact, as its own process: the AOT binary (run as root here; it submits as the tenant's user).
        var stateDir = Path.Combine(dir.Path, "state");
        var tenancy = TestTenancy.Create(dir.Path);
        var workDir = tenancy.WorkRootOf("jobs");
        using var redBox = await RedBoxProcess.StartAsync(Path.Combine(dir.Path, "red-box.sock"), new SlurmK8sProcessOptions { RequirePublished = true },
            "--allow-root", "--tenants", tenancy.File, "--state-dir", stateDir);
        var client = redBox.Client;
        var runner = new ProcessRunner();
        var submitted = new List<long>();

        async Task<long> RawSubmit()
        {
            var result = await runner.RunAsync("sbatch", ["--parsable", $"--chdir={workDir}"], Script, CancellationToken.None);
            return long.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
        }
        var inside = new List<double>();   // red-box's own time per submit, from its server-timing trailer
        async Task<long> RedBoxSubmit()
        {
            using var call = client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = Script, IdempotencyKey = "bench-" + Guid.NewGuid().ToString("N") });
            var response = await call.ResponseAsync;
            Assert.That(ServerTimingTrailer.TryRead(call.GetTrailers().GetValue(ServerTiming.Key) ?? "", "submit", out var took), Is.True);
            lock (inside)
            {
                inside.Add(took.TotalMilliseconds);
            }
            return response.JobId;
        }

        var probe = await RawSubmit();
        submitted.Add(probe);
        await client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { probe } }); // warm: the job is now in the shared cache

        var lines = new List<string> { "operation                     conc     p50 ms    p99 ms     ops/s" };
        var ratios = new List<string>();
        var cpu = new List<string>();
        var p50 = new Dictionary<string, double>();
        // Warm-up (connections, caches, this process's JIT), not measured.
        await AlternateAsync(2, 10, async () => submitted.Add(await RawSubmit()), async () => submitted.Add(await RedBoxSubmit()));
        await AlternateAsync(2, 20, async () => await client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { probe } }), () => Task.CompletedTask);
        foreach (var concurrency in new[] { 1, 8 })
        {
            // Raw and red-box alternate operation by operation, so both see the same machine and the same queue.
            inside.Clear();
            var testCpu = CpuTime.Of(Environment.ProcessId);
            var redBoxCpu = CpuTime.Of(redBox.Process.Id);
            var (raw, ours) = await AlternateAsync(concurrency, Submits, async () => submitted.Add(await RawSubmit()), async () => submitted.Add(await RedBoxSubmit()));
            var testSpent = CpuTime.Of(Environment.ProcessId) - testCpu;
            var redBoxSpent = CpuTime.Of(redBox.Process.Id) - redBoxCpu;
            // Children's CPU is the sbatch processes each side ran; the test process's own CPU also pays for the gRPC client.
            cpu.Add(string.Create(CultureInfo.InvariantCulture,
                $"CPU per submit c={concurrency}: raw sbatch {testSpent.Children / Submits:F2} ms; red-box's sbatch {redBoxSpent.Children / Submits:F2} ms + red-box itself {redBoxSpent.Own / Submits:F2} ms"));
            lines.Add(Row("raw sbatch --parsable", concurrency, raw));
            lines.Add(Row("red-box SubmitJob (with key)", concurrency, ours));
            lines.Add(Row("  of which inside red-box", concurrency, new Sample(inside, TimeSpan.Zero)));
            ratios.Add($"SubmitJob  c={concurrency}: red-box p50 / raw p50 = {Percentile(ours.Millis, 50) / Percentile(raw.Millis, 50):F2}x" +
                $" (inside red-box: {Percentile(inside, 50) / Percentile(raw.Millis, 50):F2}x)");
            p50[$"sbatch{concurrency}"] = Percentile(raw.Millis, 50);
            p50[$"submit{concurrency}"] = Percentile(ours.Millis, 50);

            (raw, ours) = await AlternateAsync(concurrency, 200,
                async () => await runner.RunAsync("scontrol", ["--oneliner", "show", "job", probe.ToString(CultureInfo.InvariantCulture)], null, CancellationToken.None),
                async () => await client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { probe } }));
            lines.Add(Row("raw scontrol show job", concurrency, raw));
            lines.Add(Row("red-box JobInfo (cached)", concurrency, ours));
            ratios.Add($"JobInfo    c={concurrency}: raw p50 / red-box p50 = {Percentile(raw.Millis, 50) / Percentile(ours.Millis, 50):F1}x faster");
            p50[$"jobinfo{concurrency}"] = Percentile(ours.Millis, 50);
        }

        // Two costs a keyed submit cannot skip, measured as the submits were (each after a raw sbatch): the round trip to
        // red-box (JobInfo above: an RPC that does no work) and the journal's append + fsync, in red-box's state directory.
        var fsyncProbe = new FileStream(Path.Combine(stateDir, "fsync-probe"), FileMode.Append, FileAccess.Write);
        await using (fsyncProbe)
        {
            var entry = "bench-00000000000000000000000000000000\t123456\t1764000000\n"u8.ToArray();
            var (_, fsync) = await AlternateAsync(1, 200, async () => submitted.Add(await RawSubmit()), () =>
            {
                fsyncProbe.Write(entry);
                fsyncProbe.Flush(flushToDisk: true);
                return Task.CompletedTask;
            });
            lines.Add(Row("journal append + fsync", 1, fsync));
            var (sbatch, roundTrip, durable) = (p50["sbatch1"], p50["jobinfo1"], Percentile(fsync.Millis, 50));
            ratios.Add(string.Create(CultureInfo.InvariantCulture,
                $"SubmitJob  c=1: red-box - raw = {p50["submit1"] - sbatch:F2} ms; an empty round trip {roundTrip:F2} ms + the journal's fsync {durable:F2} ms " +
                $"alone make (raw + both) / raw = {(sbatch + roundTrip + durable) / sbatch:F2}x"));
            (sbatch, roundTrip) = (p50["sbatch8"], p50["jobinfo8"]);
            ratios.Add(string.Create(CultureInfo.InvariantCulture,
                $"SubmitJob  c=8: red-box - raw = {p50["submit8"] - sbatch:F2} ms; an empty round trip {roundTrip:F2} ms " +
                $"alone makes (raw + it) / raw = {(sbatch + roundTrip) / sbatch:F2}x"));
        }

        foreach (var id in submitted)
        {
            await runner.RunAsync("scancel", [id.ToString(CultureInfo.InvariantCulture)], null, CancellationToken.None);
        }
        TestContext.Out.WriteLine(string.Join('\n', lines));
        TestContext.Out.WriteLine(string.Join('\n', ratios));
        TestContext.Out.WriteLine(string.Join('\n', cpu));
    }

    /// <summary>A process's CPU milliseconds from /proc/PID/stat: its own (utime+stime) and its reaped children's (cutime+cstime).</summary>
    private readonly record struct CpuTime(double Own, double Children)
    {
        public static CpuTime Of(int pid)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');   // fields from 3 (state) on
            double Ms(int field) => double.Parse(fields[field - 3], CultureInfo.InvariantCulture) * 10;   // USER_HZ = 100
            return new CpuTime(Ms(14) + Ms(15), Ms(16) + Ms(17));
        }

        public static CpuTime operator -(CpuTime a, CpuTime b) => new(a.Own - b.Own, a.Children - b.Children);
    }

    internal sealed record Sample(List<double> Millis, TimeSpan Busy);

    /// <summary>Each of <paramref name="concurrency"/> workers runs A then B, over and over; ops/s is per side, over the time spent in that side.</summary>
    internal static async Task<(Sample A, Sample B)> AlternateAsync(int concurrency, int pairs, Func<Task> a, Func<Task> b)
    {
        var sampleA = new Sample([], TimeSpan.Zero);
        var sampleB = new Sample([], TimeSpan.Zero);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < pairs)
            {
                foreach (var (operation, sample) in new[] { (a, sampleA), (b, sampleB) })
                {
                    var one = Stopwatch.StartNew();
                    await operation();
                    lock (sample.Millis)
                    {
                        sample.Millis.Add(one.Elapsed.TotalMilliseconds);
                    }
                }
            }
        })));
        return (sampleA, sampleB);
    }

    // Throughput of one side: operations in flight at once ÷ time per operation.
    internal static string Row(string name, int concurrency, Sample sample) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{name,-29} {concurrency,4} {Percentile(sample.Millis, 50),10:F2} {Percentile(sample.Millis, 99),9:F2} {concurrency * 1000 / sample.Millis.Average(),9:F0}");

    internal static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
