using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.Kube;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Integration;
using SlurmK8s.Tests.Kube;

namespace SlurmK8s.Tests.Benchmarks;

/// <summary>
/// `./build.sh bench scale`: the published operator against a private kube-apiserver + etcd (no kubelet, no scheduler:
/// pods are objects only). Per run: N SlurmJobs created at once, the time until every companion pod object exists, the
/// operator's RSS and CPU, the API server's and etcd's CPU, and the operator's API requests per job (its own
/// slurmk8s_operator_api_requests_total); then a sample of the jobs is driven through its life as the scheduler, the
/// kubelet and the companion would (bound, Running, Slurm PENDING → RUNNING → COMPLETED, pod Succeeded, deleted) and the
/// operator's writes are counted per step. Prints figures; asserts nothing about speed.
/// Environment: SLURMK8S_SCALE_JOBS (sizes, default "1000,5000"), SLURMK8S_SCALE_QPS ("qps/burst,…" to compare; default:
/// the operator's own defaults), SLURMK8S_SCALE_WORKERS (default: the operator's), SLURMK8S_SCALE_LIFECYCLE (sample, default 100).
/// </summary>
[Category("Benchmark")]
[Explicit("a benchmark: run with ./build.sh bench scale")]
[NonParallelizable]
public sealed class OperatorScaleBenchmark
{
    private const string Namespace = "scale";
    private const string NodeName = "scale-node";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(20);

    [Test]
    public async Task OperatorAtVolume()
    {
        var binary = SlurmK8sProcess.RequirePublishedBinary();
        var sizes = Setting("SLURMK8S_SCALE_JOBS", "1000,5000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        var limits = Setting("SLURMK8S_SCALE_QPS", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(l => (string?)l).DefaultIfEmpty(null).ToList();
        var workers = Setting("SLURMK8S_SCALE_WORKERS", "") is { Length: > 0 } w ? w : null;
        var sample = int.Parse(Setting("SLURMK8S_SCALE_LIFECYCLE", "100"), CultureInfo.InvariantCulture);
        var runs = new List<ScaleRun>();
        foreach (var size in sizes)
        {
            foreach (var limit in limits)
            {
                var run = await RunAsync(binary, size, limit, workers, Math.Min(sample, size));
                runs.Add(run);
                TestContext.Out.WriteLine(run.Details);
            }
        }
        TestContext.Out.WriteLine(Table(runs));
    }

    private static async Task<ScaleRun> RunAsync(string binary, int jobs, string? limit, string? workers, int sample)
    {
        TestContext.Progress.WriteLine($"== {jobs} SlurmJobs, limit {limit ?? "operator default"}, workers {workers ?? "operator default"}");
        await using var server = await PrivateApiServer.StartAsync();
        using var client = server.CreateClient();
        using var kube = server.CreateKubeClient();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } });
        // A node that advertises what resourced would set, so #SBATCH requests become pod limits as they would.
        await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string> { ["slurm.sylabs.io/workload-manager"] = "slurm" } } });
        await client.CoreV1.PatchNodeStatusAsync(new V1Patch("""{"status":{"capacity":{"slurm.sylabs.io/cpu":"100000"},"allocatable":{"slurm.sylabs.io/cpu":"100000"}}}""", V1Patch.PatchType.MergePatch), NodeName);

        var port = Ports.Unused();
        List<string> args = ["--kubeconfig", server.KubeconfigPath, "--companion-image", "slurmk8s:bench", "--socket-group-id", "990",
            "--leader-elect", "false", "--health-port", port.ToString(CultureInfo.InvariantCulture), "--log-format", "json"];
        if (limit is not null)
        {
            var parts = limit.Split('/');
            args.AddRange(["--kube-api-qps", parts[0], "--kube-api-burst", parts.Length > 1 ? parts[1] : parts[0]]);
        }
        if (workers is not null)
        {
            args.AddRange(["--workers", workers]);
        }
        using var op = SlurmK8sProcess.Start("operator", args, new SlurmK8sProcessOptions { RequirePublished = true, EchoToProgress = false });
        using var http = new HttpClient();
        await WaitReadyAsync(http, port, op);
        var settled = await QuietAsync(http, port, op, TimeSpan.FromSeconds(2));
        var operatorBefore = ProcessUsage.Read(op.Id);
        var apiBefore = ProcessUsage.Read(server.ApiServerPid);
        var etcdBefore = ProcessUsage.Read(server.EtcdPid);
        var etcdBytesBefore = server.EtcdDatabaseBytes;

        // Every companion pod object, as the API server announces it to a watcher.
        var seen = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var allPods = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var podWatch = new ListWatch<V1Pod>(WatchSources.Pods(kube, SlurmK8s.Operator.CompanionPod.JobLabel, Namespace), pod =>
        {
            if (seen.TryAdd(pod.Metadata.Name, 0) && seen.Count >= jobs)
            {
                allPods.TrySetResult();
            }
        }, NullLogger.Instance);
        using var stopWatch = new CancellationTokenSource();
        var watching = podWatch.RunAsync(stopWatch.Token);
        await podWatch.WaitForSyncAsync(CancellationToken.None);

        var clock = Stopwatch.StartNew();
        await CreateJobsAsync(client, jobs);
        var created = clock.Elapsed;
        TestContext.Progress.WriteLine($"   {jobs} SlurmJobs created in {created.TotalSeconds:0.0} s; {seen.Count} companion pods so far");
        await allPods.Task.WaitAsync(Patience);
        var podsExist = clock.Elapsed;
        TestContext.Progress.WriteLine($"   every companion pod exists after {podsExist.TotalSeconds:0.0} s");
        var quiet = await QuietAsync(http, port, op, TimeSpan.FromSeconds(3));
        var busyFor = clock.Elapsed - TimeSpan.FromSeconds(3);
        await stopWatch.CancelAsync();
        await watching;
        var operatorAfter = ProcessUsage.Read(op.Id);
        var apiAfter = ProcessUsage.Read(server.ApiServerPid);
        var etcdAfter = ProcessUsage.Read(server.EtcdPid);
        var etcdBytesAfter = server.EtcdDatabaseBytes;

        var steps = await LifecycleAsync(client, kube, http, port, op, sample);
        var operatorEnd = ProcessUsage.Read(op.Id);
        Assert.That(await op.StopAsync(TimeSpan.FromSeconds(30)), Is.Zero, "the operator exits 0 when stopped");

        return new ScaleRun(jobs, limit ?? "default", workers ?? "default", created, podsExist, busyFor,
            operatorBefore, operatorAfter, operatorEnd, apiAfter.Cpu - apiBefore.Cpu, etcdAfter.Cpu - etcdBefore.Cpu, etcdBytesAfter - etcdBytesBefore,
            quiet.Since(settled, byCode: true), quiet.WritesSince(settled), quiet.Total - settled.Total, quiet.ThrottledSeconds - settled.ThrottledSeconds,
            sample, steps);
    }

    /// <summary>N SlurmJobs from 16 concurrent requests, as fast as this API server takes them.</summary>
    private static async Task CreateJobsAsync(Kubernetes client, int jobs)
    {
        var next = -1;
        async Task CreateSome()
        {
            while (Interlocked.Increment(ref next) is var i && i < jobs)
            {
                var job = new SlurmJob
                {
                    Metadata = new V1ObjectMeta { Name = JobName(i), NamespaceProperty = Namespace },
                    Spec = new SlurmJobSpec { Batch = "#!/bin/sh\n#SBATCH --cpus-per-task=1\necho hi\n" },
                };
                await client.CustomObjects.CreateNamespacedCustomObjectAsync<SlurmJob>(job, SlurmJob.Group, SlurmJob.Version, Namespace, SlurmJob.Plural);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(CreateSome)));
    }

    /// <summary>
    /// The first <paramref name="sample"/> jobs through their life, one step for all of them at a time, each step followed
    /// by the operator falling quiet: what it wrote per job for each step.
    /// </summary>
    private static async Task<List<(string Step, IReadOnlyDictionary<string, double> Writes)>> LifecycleAsync(Kubernetes client, KubeClient kube, HttpClient http, int port, SlurmK8sProcess op,
        int sample)
    {
        var api = new KubeApi(kube);
        var names = Enumerable.Range(0, sample).Select(JobName).ToList();
        var steps = new List<(string, IReadOnlyDictionary<string, double>)>();
        var before = await QuietAsync(http, port, op, TimeSpan.FromSeconds(2));
        async Task Step(string step, Func<string, Task> act, Func<SlurmJob?, bool> reached)
        {
            await ForEachAsync(names, act);
            foreach (var name in names)
            {
                await Eventually.ValueAsync(() => api.GetSlurmJobAsync(Namespace, name, CancellationToken.None), reached, step, Patience,
                    j => j is null ? "gone" : KubernetesJson.Serialize(j.Status), TimeSpan.FromMilliseconds(200));
            }
            var after = await QuietAsync(http, port, op, TimeSpan.FromSeconds(2));
            TestContext.Progress.WriteLine($"   {step}: done for {sample} jobs");
            steps.Add((step, after.Since(before).Where(r => IsWrite(r.Key)).ToDictionary(r => r.Key, r => r.Value / sample)));
            before = after;
        }
        // The scheduler binds the pod (spec.nodeName, PodScheduled=True); the kubelet says Running. The operator writes
        // Scheduled=True with its next change (Slurm PENDING, below), so this step waits on the pods, then on the quiet.
        await Step("pod bound and Running", async name =>
        {
            await client.CoreV1.CreateNamespacedPodBindingAsync(new V1Binding
            {
                Metadata = new V1ObjectMeta { Name = name + "-job" },
                Target = new V1ObjectReference { Kind = "Node", Name = NodeName },
            }, name + "-job", Namespace);
            await client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch("""{"status":{"phase":"Running"}}""", V1Patch.PatchType.MergePatch), name + "-job", Namespace);
        }, _ => true);
        var id = 1000;
        Task Companion(string name, JobState state) => api.PatchSlurmJobStatusAsync(Namespace, name, KubeApiContract.Patch(new SlurmJobStatus
        {
            Slurm = new SlurmJobFacts { JobId = id + int.Parse(name[1..], CultureInfo.InvariantCulture), State = state, ExitCode = state == JobState.Completed ? 0 : null },
            Companion = new CompanionReport { SubmittedGeneration = 1 },
        }), CancellationToken.None);
        await Step("Slurm PENDING", name => Companion(name, JobState.Pending),
            j => j?.Status?.Phase == SlurmJobPhase.Submitted && j.Status.Conditions?.Any(c => c.Type == "Scheduled" && c.Status == "True") == true);
        await Step("Slurm RUNNING", name => Companion(name, JobState.Running), j => j?.Status?.Phase == SlurmJobPhase.Running);
        await Step("Slurm COMPLETED", name => Companion(name, JobState.Completed), j => j?.Status?.Phase == SlurmJobPhase.Succeeded);
        await Step("pod Succeeded", name => client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch("""{"status":{"phase":"Succeeded"}}""", V1Patch.PatchType.MergePatch), name + "-job", Namespace),
            j => j?.Status?.Phase == SlurmJobPhase.Succeeded);
        await Step("SlurmJob deleted", name => client.CustomObjects.DeleteNamespacedCustomObjectAsync(SlurmJob.Group, SlurmJob.Version, Namespace, SlurmJob.Plural, name),
            j => j is null);
        return steps;
    }

    private static bool IsWrite(string verbAndResource) => !verbAndResource.StartsWith("get ", StringComparison.Ordinal)
        && !verbAndResource.StartsWith("list ", StringComparison.Ordinal) && !verbAndResource.StartsWith("watch ", StringComparison.Ordinal);

    private static async Task ForEachAsync(List<string> names, Func<string, Task> act)
    {
        var next = -1;
        async Task Some()
        {
            while (Interlocked.Increment(ref next) is var i && i < names.Count)
            {
                await act(names[i]);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(Some)));
    }

    private static string JobName(int i) => "j" + i.ToString("D6", CultureInfo.InvariantCulture);

    private static async Task WaitReadyAsync(HttpClient http, int port, SlurmK8sProcess op)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.That(op.Process.HasExited, Is.False, () => $"the operator exited:\n{string.Join('\n', op.Log)}");
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the operator was not ready within 60 s");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the operator has sent no request for <paramref name="quietFor"/> and its queue is empty; its metrics then.</summary>
    private static async Task<OperatorMetricsScrape> QuietAsync(HttpClient http, int port, SlurmK8sProcess op, TimeSpan quietFor)
    {
        var deadline = DateTime.UtcNow + Patience;
        var last = OperatorMetricsScrape.Empty;
        var since = DateTime.UtcNow;
        while (true)
        {
            Assert.That(op.Process.HasExited, Is.False, () => $"the operator exited:\n{string.Join('\n', op.Log.TakeLast(50))}");
            var now = await OperatorMetricsScrape.ReadAsync(http, port);
            if (now.Total != last.Total || now.QueueReady > 0)
            {
                since = DateTime.UtcNow;
                last = now;
            }
            else if (DateTime.UtcNow - since >= quietFor)
            {
                return now;
            }
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the operator never fell quiet");
            await Task.Delay(250);
        }
    }

    private static string Setting(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    private static string Table(IReadOnlyList<ScaleRun> runs)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"jobs",6} {"qps/burst",10} {"wkrs",5} {"create s",9} {"all pods s",11} {"pods/s",7} {"busy s",7} {"RSS MB start/peak/end",22} {"op CPU s",9} {"op CPU ms/job",14} {"RSS KB/job",11} {"api CPU ms/job",15} {"etcd CPU ms/job",16} {"etcd KB/job",12} {"req/job",8} {"writes/job",11} {"throttled s",12}");
        foreach (var r in runs)
        {
            text.AppendLine(r.Row);
        }
        text.AppendLine("writes per job through the rest of its life (sample; by verb and resource):");
        foreach (var r in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {r.Jobs} jobs, {r.Limit}: {r.LifecycleSummary}");
        }
        return text.ToString();
    }
}
