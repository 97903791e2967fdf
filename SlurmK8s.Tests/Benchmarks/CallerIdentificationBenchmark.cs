using System.Globalization;
using SlurmK8s.RedBox;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.Tests.Integration;
using Proto = SlurmK8s.Protos.RedBox.V1;
using static SlurmK8s.Tests.Benchmarks.RedBoxBenchmark;
using SlurmK8s.RedBoxClient;

namespace SlurmK8s.Tests.Benchmarks;

/// <summary>
/// `./build.sh bench`: what identifying the caller costs. One red-box, two kinds of connection measured alternately: "on"
/// asks the kernel (SO_PEERCRED, the pidfd, /proc/&lt;pid&gt;/stat and cgroup, start time again), "off" is handed a caller
/// without looking. Both then map the caller through the tenancy file on every call. Prints figures; asserts nothing about speed.
/// </summary>
[Category("Benchmark")]
[Explicit("a benchmark: run with ./build.sh bench")]
[NonParallelizable]
public sealed class CallerIdentificationBenchmark
{
    private const int Pairs = 400;

    [Test]
    public async Task IdentificationOnAgainstOff()
    {
        await RealSlurm.EnsureUpAsync();
        using var dir = new TempDirectory("slurmk8s-bench-id-");
        await using var redBox = await InProcessRedBox.StartAsync(dir.Path);
        var off = new Caller(Environment.ProcessId, 0, 0, null);
        var onClient = redBox.Client;                        // identified by the kernel, once, at its first call
        var offClient = await redBox.ClientAsAsync(off);     // handed its caller
        var held = await onClient.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\n#SBATCH --hold\ntrue\n" });
        var info = new Proto.JobInfoRequest { JobIds = { held.JobId } };
        List<string> lines = [$"{"caller identification",-29} {"c",4} {"p50 ms",10} {"p99 ms",9} {"ops/s",9}"];
        List<string> ratios = [];

        // Per call on an open connection (how the companion and the operator call): the connection was identified once.
        var (jobInfoOn, jobInfoOff) = await AlternateAsync(1, Pairs, () => onClient.JobInfoAsync(info).ResponseAsync, () => offClient.JobInfoAsync(info).ResponseAsync);
        lines.Add(Row("JobInfo, identified", 1, jobInfoOn));
        lines.Add(Row("JobInfo, handed", 1, jobInfoOff));
        var submitted = new List<long>();
        async Task Submit(Proto.RedBox.RedBoxClient client)
        {
            var response = await client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = "#!/bin/sh\n#SBATCH --hold\ntrue\n", IdempotencyKey = Guid.NewGuid().ToString() });
            lock (submitted)
            {
                submitted.Add(response.JobId);
            }
        }
        var (submitOn, submitOff) = await AlternateAsync(1, Pairs / 4, () => Submit(onClient), () => Submit(offClient));
        lines.Add(Row("SubmitJob, identified", 1, submitOn));
        lines.Add(Row("SubmitJob, handed", 1, submitOff));

        // A new connection and its first call: where identification happens.
        async Task Connect(Caller? caller)
        {
            redBox.Callers.Acting = caller;
            using var channel = RedBoxChannel.Create(redBox.Options.SocketPath);
            await new Proto.RedBox.RedBoxClient(channel).JobInfoAsync(info);
        }
        var (connectOn, connectOff) = await AlternateAsync(1, Pairs, () => Connect(null), () => Connect(off));
        redBox.Callers.Acting = null;
        lines.Add(Row("connect + JobInfo, identified", 1, connectOn));
        lines.Add(Row("connect + JobInfo, handed", 1, connectOff));

        foreach (var (name, on, offSample) in new[] { ("JobInfo", jobInfoOn, jobInfoOff), ("SubmitJob", submitOn, submitOff), ("connect + JobInfo", connectOn, connectOff) })
        {
            ratios.Add(string.Create(CultureInfo.InvariantCulture,
                $"{name,-18} identified - handed p50: {Percentile(on.Millis, 50) - Percentile(offSample.Millis, 50):+0.000;-0.000} ms"));
        }
        foreach (var id in submitted.Append(held.JobId))
        {
            await onClient.CancelJobAsync(new Proto.CancelJobRequest { JobId = id });
        }
        TestContext.Out.WriteLine(string.Join('\n', lines));
        TestContext.Out.WriteLine(string.Join('\n', ratios));
    }
}
