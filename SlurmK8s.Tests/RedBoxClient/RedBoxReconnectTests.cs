using System.Diagnostics;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SlurmK8s.Cli;
using SlurmK8s.RedBox;
using SlurmK8s.RedBoxClient;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Fakes;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.RedBoxClient;

/// <summary>
/// The red-box client against a real Kestrel on a Unix socket (HTTP/2, gRPC, red-box's error interceptor) that is
/// killed and replaced by a new server at the same path, as a restarted red-box is.
/// </summary>
internal sealed class RedBoxReconnectTests
{
    private TempDirectory _directory = null!;
    private string _socket = null!;
    private readonly List<WebApplication> _apps = [];

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _socket = _directory.Combine("red-box.sock");
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
        _directory.Dispose();
    }

    [Test]
    public async Task Call_AfterTheServerBehindTheSocketPathWasReplaced_ConnectsAnewAtOnce()
    {
        var first = await StartAsync("first");
        using var connection = RedBoxConnection.Connect(_socket);
        Assert.That(await NameAsync(connection), Is.EqualTo("first"));

        await KillAsync(first);
        // Failures for a while, long enough for any backoff a channel keeps to grow well past a second.
        var failures = 0;
        for (var stopwatch = Stopwatch.StartNew(); stopwatch.Elapsed < TimeSpan.FromSeconds(3); failures++)
        {
            var e = await Assert.ThrowsAsync<SlurmException>(async () => await NameAsync(connection));
            Assert.That((e!.Kind, e.SlurmUnreachableAt), Is.EqualTo((SlurmErrorKind.Unavailable, (string?)null)), "nothing answered: not a Slurm outage");
            await Task.Delay(100);
        }
        File.Delete(_socket);
        await StartAsync("second");

        // The very first call after the new server listens reaches it: no failed connection cached, no backoff to sit out.
        var reconnect = Stopwatch.StartNew();
        Assert.That(await NameAsync(connection), Is.EqualTo("second"));
        Assert.That(reconnect.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), $"after {failures} failed calls");
        await TestContext.Progress.WriteLineAsync($"reconnected in {reconnect.Elapsed.TotalMilliseconds:F0} ms after {failures} failed calls over 3 s");
    }

    [Test]
    public async Task Stream_WhenTheServerIsKilled_EndsAtOnceAsUnavailableWithoutSlurmsMark()
    {
        var first = await StartAsync("first");
        using var connection = RedBoxConnection.Connect(_socket);
        var watch = connection.RedBox.WatchAsync(1, CancellationToken.None).GetAsyncEnumerator();
        Assert.That(await watch.MoveNextAsync(), Is.True);

        await KillAsync(first);

        var e = await Assert.ThrowsAsync<SlurmException>(async () => await watch.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.That((e!.Kind, e.SlurmUnreachableAt), Is.EqualTo((SlurmErrorKind.Unavailable, (string?)null)));
        await watch.DisposeAsync();
    }

    [Test]
    public async Task Call_WhenRedBoxAnswersThatSlurmIsDown_IsUnavailableNamingTheSlurmItAsked()
    {
        await StartAsync("up");
        using var connection = RedBoxConnection.Connect(_socket);

        var e = await Assert.ThrowsAsync<SlurmException>(async () =>
            await connection.Client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { 1 } }).ResponseAsync);
        var streamed = await Assert.ThrowsAsync<SlurmException>(async () =>
        {
            await foreach (var _ in connection.RedBox.TailAsync("", 1, 0, CancellationToken.None))
            {
            }
        });

        foreach (var failure in new[] { e!, streamed! })
        {
            Assert.That((failure.Kind, failure.SlurmUnreachableAt), Is.EqualTo((SlurmErrorKind.Unavailable, (string?)"slurmctld of Slurm cluster fake")));
            Assert.That(failure.Message, Does.Contain("could not reach Slurm").And.Contain("Unable to contact slurm controller"));
        }
    }

    private static async Task<string> NameAsync(SlurmK8s.RedBoxClient.RedBoxConnection connection) =>
        (await connection.Client.WorkloadManagerInfoAsync(new Proto.WorkloadManagerInfoRequest())).Name;

    /// <summary>Stops at once, cutting every open call, and leaves a socket file nobody listens on (as SIGKILL does).</summary>
    private async Task KillAsync(WebApplication app)
    {
        await app.StopAsync(new CancellationToken(canceled: true));
        await app.DisposeAsync();
        _apps.Remove(app);
        if (!File.Exists(_socket))
        {
            using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            stale.Bind(new UnixDomainSocketEndPoint(_socket));
        }
    }

    private async Task<WebApplication> StartAsync(string name)
    {
        var builder = SlimHost.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(_socket, listen => listen.Protocols = HttpProtocols.Http2));
        var slurm = new FakeSlurm();
        builder.Services.AddSingleton<ISlurmClient>(slurm);
        builder.Services.AddSingleton<SlurmSite>();
        builder.Services.AddSingleton(new ServerName(name));
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<SlurmErrorInterceptor>());
        var app = builder.Build();
        app.MapGrpcService<NamedRedBox>();
        // As red-box does at start: read the cluster's configuration, which the UNAVAILABLE trailer then names.
        await app.Services.GetRequiredService<SlurmSite>().GetAsync(CancellationToken.None);
        await app.StartAsync();
        _apps.Add(app);
        return app;
    }

    private sealed record ServerName(string Value);

    /// <summary>Answers with its name; watches one job for ever; Slurm behind it is down for JobInfo and TailFile.</summary>
    private sealed class NamedRedBox(ServerName name) : Proto.RedBox.RedBoxBase
    {
        private const string Down = "squeue failed (exit 1): slurm_load_jobs error: Unable to contact slurm controller (connect failure)";

        public override Task<Proto.WorkloadManagerInfoResponse> WorkloadManagerInfo(Proto.WorkloadManagerInfoRequest request, ServerCallContext context) =>
            Task.FromResult(new Proto.WorkloadManagerInfoResponse { Name = name.Value });

        public override async Task WatchJobs(Proto.WatchJobsRequest request, IServerStreamWriter<Proto.Job> responseStream, ServerCallContext context)
        {
            await responseStream.WriteAsync(new Proto.Job { JobId = 1, State = Proto.JobState.Running });
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }

        public override Task<Proto.JobInfoResponse> JobInfo(Proto.JobInfoRequest request, ServerCallContext context) =>
            throw new SlurmException(SlurmErrorKind.Unavailable, Down);

        public override Task TailFile(Proto.TailFileRequest request, IServerStreamWriter<Proto.Chunk> responseStream, ServerCallContext context) =>
            throw new SlurmException(SlurmErrorKind.Unavailable, Down);
    }
}
