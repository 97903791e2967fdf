using System.Text;
using Grpc.Core;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Integration;

/// <summary>Short ways for tests to say what a red-box client does.</summary>
internal static class RedBoxClientExtensions
{
    public static async Task<long> SubmitAsync(this Proto.RedBox.RedBoxClient client, string script, string key = "", string partition = "") =>
        (await client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = script, IdempotencyKey = key, Partition = partition })).JobId;

    /// <summary>Watches the job to its end and returns its final state (fails after <paramref name="timeoutSeconds"/>).</summary>
    public static async Task<Proto.Job> WaitFinishedAsync(this Proto.RedBox.RedBoxClient client, long jobId, int timeoutSeconds = 120)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        using var watch = client.WatchJobs(new Proto.WatchJobsRequest { JobIds = { jobId } }, cancellationToken: timeout.Token);
        Proto.Job? last = null;
        await foreach (var job in watch.ResponseStream.ReadAllAsync(timeout.Token))
        {
            last = job;
        }
        Assert.That(last, Is.Not.Null);
        Assert.That(last!.Finished, Is.True, $"watch of job {jobId} ended before the job did: {last}");
        return last;
    }

    /// <summary>Waits until the job reaches <paramref name="state"/>.</summary>
    public static async Task WaitForStateAsync(this Proto.RedBox.RedBoxClient client, long jobId, Proto.JobState state, int timeoutSeconds = 60)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        using var watch = client.WatchJobs(new Proto.WatchJobsRequest { JobIds = { jobId } }, cancellationToken: timeout.Token);
        await foreach (var job in watch.ResponseStream.ReadAllAsync(timeout.Token))
        {
            if (job.State == state)
            {
                return;
            }
        }
        Assert.Fail($"job {jobId} ended without reaching {state}");
    }

    public static async Task<string> ReadFileAsync(this Proto.RedBox.RedBoxClient client, string path)
    {
        using var call = client.OpenFile(new Proto.OpenFileRequest { Path = path });
        var text = new StringBuilder();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            text.Append(chunk.Content.ToStringUtf8());
        }
        return text.ToString();
    }
}
