using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using SlurmK8s.Os;
using SlurmK8s.RedBoxClient;
using SlurmK8s.Tests.Integration;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Benchmarks;

/// <summary>
/// `./build.sh bench memory`: the resident memory of the published binary in the roles that run many times or for
/// long — a companion waiting on its running job, red-box idle, red-box serving 300 companions' streams (a WatchJobs
/// and a TailFile each, on a connection each) and red-box after those jobs ended — and how soon a companion, once
/// started, makes its first call and has its job submitted. Read from /proc/PID/status (VmRSS now, VmHWM the peak).
/// With SLURMK8S_BIN_BEFORE set to another build, measures both, side by side; SLURMK8S_BENCH_ENV adds environment
/// variables to both processes. Prints figures; asserts nothing about them.
/// </summary>
[Category("Benchmark")]
[Explicit("a benchmark: run with ./build.sh bench memory")]
[NonParallelizable]
public sealed class MemoryBenchmark
{
    private const int Streams = 300;
    private const string HeldScript = "#!/bin/sh\n#SBATCH --hold\ntrue\n";

    [Test]
    public async Task MemoryOfCompanionAndRedBox()
    {
        await RealSlurm.EnsureUpAsync();
        ThreadPool.SetMinThreads(32, 32);
        var builds = new List<(string Label, string Binary)>();
        if (Environment.GetEnvironmentVariable("SLURMK8S_BIN_BEFORE") is { Length: > 0 } before && File.Exists(before))
        {
            builds.Add(("before", before));
        }
        builds.Add(("this build", SlurmK8sProcess.RequirePublishedBinary()));

        var lines = new List<string>
        {
            "MB: VmRSS=RssAnon (own)+RssFile (the binary's pages, shared); peak is VmHWM",
            "build        red-box idle      300 companions' streams   after they ended: +5 s / +30 s / +60 s (peak)   companion waiting (peak)   companion start → 1st API call / submitted",
        };
        foreach (var (label, binary) in builds)
        {
            lines.Add(await MeasureAsync(label, binary));
        }
        TestContext.Out.WriteLine(string.Join('\n', lines));
    }

    private static async Task<string> MeasureAsync(string label, string binary)
    {
        using var dir = new TempDirectory("slurmk8s-mem-");
        var tenancy = TestTenancy.Create(dir.Path);
        var socket = Path.Combine(dir.Path, "red-box.sock");
        var options = new SlurmK8sProcessOptions { Binary = binary, Environment = ExtraEnvironment() };
        using var redBox = await RedBoxProcess.StartAsync(socket, options, "--allow-root", "--tenants", tenancy.File, "--state-dir", Path.Combine(dir.Path, "state"));
        var pid = redBox.Process.Id;
        var jobs = new List<long>();
        try
        {
            // Idle: started, one call answered (as resourced's discovery or a companion would), then left alone long
            // enough for a collection after start-up (red-box's trimmer: the first quiet tick, 10 s after start).
            await redBox.Client.WhoAmIAsync(new Proto.WhoAmIRequest());
            await Task.Delay(TimeSpan.FromSeconds(15));
            var idle = Memory.Of(pid);

            var companion = await CompanionAsync(dir.Path, socket, options, label, jobs);

            var (busy, after5, after30, after60) = await StreamsAsync(redBox, socket, pid, jobs);
            return string.Create(CultureInfo.InvariantCulture,
                $"{label,-12} {idle,-17} {busy,-25} {after5,-16} / {after30,-16} / {after60,-16} ({after60.Peak:F1})  {companion.Memory,-16} ({companion.Memory.Peak:F1})   {companion.FirstCall.TotalMilliseconds:F0} ms / {companion.Submitted.TotalMilliseconds:F0} ms");
        }
        finally
        {
            await CancelAsync(jobs);
        }
    }

    /// <summary>SLURMK8S_BENCH_ENV="NAME=VALUE …": added to both processes' environment, to try a knob (DOTNET_GCgen0size=…) without a new build.</summary>
    private static Dictionary<string, string> ExtraEnvironment() =>
        (Environment.GetEnvironmentVariable("SLURMK8S_BENCH_ENV") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.Ordinal);

    /// <summary>A companion for a job that prints a line and sleeps: its memory once the line is in its output.</summary>
    private static async Task<(Memory Memory, TimeSpan FirstCall, TimeSpan Submitted)> CompanionAsync(string directory, string socket,
        SlurmK8sProcessOptions options, string label, List<long> jobs)
    {
        var name = "mem-" + label.Replace(' ', '-');
        await using var api = new FakeSlurmJobApi(directory, "bench", name, Guid.NewGuid().ToString(), "#!/bin/sh\necho running\nsleep 300\n");
        api.Restart();
        var clock = Stopwatch.StartNew();
        using var companion = SlurmK8sProcess.Start("companion",
            ["--socket", socket, "--namespace", "bench", "--slurmjob", name, "--pod-name", name + "-job", "--kubeconfig", api.Kubeconfig,
             "--termination-message-path", ""],
            options);
        var submitted = await companion.WaitForLogAsync("Submitted to Slurm as job", TimeSpan.FromSeconds(30));
        var submittedAfter = clock.Elapsed;
        jobs.Add(long.Parse(submitted[(submitted.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        // Running (its output is streaming), or still pending if Slurm is busy: a companion waits the same either way.
        try
        {
            await companion.WaitForOutputAsync(l => l.Contains("running", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        }
        catch (AssertionException)
        {
            TestContext.Out.WriteLine("(the companion's job did not start within 60 s: measured while it pends)");
        }
        await Task.Delay(TimeSpan.FromSeconds(15));
        var memory = Memory.Of(companion.Id);
        await companion.StopAsync();
        return (memory, api.FirstRequest ?? TimeSpan.Zero, submittedAfter);
    }

    /// <summary>300 held jobs, each watched and tailed over a connection of its own; then cancelled.</summary>
    private static async Task<(Memory Busy, Memory After5, Memory After30, Memory After60)> StreamsAsync(RedBoxProcess redBox, string socket, int pid, List<long> jobs)
    {
        var ids = new long[Streams];
        await Parallel.ForAsync(0, Streams, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var response = await redBox.Client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = HeldScript, IdempotencyKey = $"mem-{Guid.NewGuid():N}" },
                cancellationToken: ct);
            ids[i] = response.JobId;
        });
        jobs.AddRange(ids);
        var channels = ids.Select(_ => RedBoxChannel.Create(socket)).ToList();
        var first = new CountdownEvent(Streams);
        var streams = new List<Task>();
        Memory busy;
        try
        {
            for (var i = 0; i < Streams; i++)
            {
                var client = new Proto.RedBox.RedBoxClient(channels[i]);
                var id = ids[i];
                streams.Add(WatchAsync(client, id, first));
                streams.Add(TailAsync(client, id));
            }
            Assert.That(first.Wait(TimeSpan.FromSeconds(60)), Is.True, "every watch answered with the job's state");
            await Task.Delay(TimeSpan.FromSeconds(5));
            busy = Memory.Of(pid);

            await CancelAsync(ids);
            jobs.RemoveAll(ids.Contains);
            await Task.WhenAll(streams).WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(5));
        var after5 = Memory.Of(pid);
        await Task.Delay(TimeSpan.FromSeconds(25));
        var after30 = Memory.Of(pid);
        await Task.Delay(TimeSpan.FromSeconds(30));
        return (busy, after5, after30, Memory.Of(pid));
    }

    private static async Task WatchAsync(Proto.RedBox.RedBoxClient client, long id, CountdownEvent first)
    {
        using var call = client.WatchJobs(new Proto.WatchJobsRequest { JobIds = { id } });
        var counted = false;
        await foreach (var _ in call.ResponseStream.ReadAllAsync())
        {
            if (!counted)
            {
                first.Signal();
                counted = true;
            }
        }
    }

    private static async Task TailAsync(Proto.RedBox.RedBoxClient client, long id)
    {
        using var call = client.TailFile(new Proto.TailFileRequest { JobId = id });
        try
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // A held job cancelled before it ran has no output file: the tail ends so.
        }
    }

    private static async Task CancelAsync(IEnumerable<long> ids)
    {
        var list = ids.Select(id => id.ToString(CultureInfo.InvariantCulture)).ToList();
        foreach (var chunk in list.Chunk(100))
        {
            await new ProcessRunner().RunAsync("scancel", chunk, null, CancellationToken.None);
        }
    }

    /// <summary>
    /// A process's resident memory in MB from /proc/PID/status: VmRSS now, split into RssAnon (its own) and RssFile (the
    /// binary's pages, shared through the page cache with every other process running the same file), and its peak, VmHWM.
    /// </summary>
    private readonly record struct Memory(double Rss, double Anon, double File, double Peak)
    {
        public static Memory Of(int pid)
        {
            var status = System.IO.File.ReadAllLines($"/proc/{pid}/status");
            double Kb(string key) => double.Parse(status.First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0],
                CultureInfo.InvariantCulture) / 1024;
            return new Memory(Kb("VmRSS:"), Kb("RssAnon:"), Kb("RssFile:"), Kb("VmHWM:"));
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Rss:F1}={Anon:F1}+{File:F1}");
    }
}
