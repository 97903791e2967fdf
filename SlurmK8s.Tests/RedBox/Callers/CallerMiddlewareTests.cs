using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Cli;
using SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBox;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.RedBox.Scoping;
using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.RedBoxContract;
using SlurmK8s.Tests.Fakes;
using GrpcClient = SlurmK8s.Protos.RedBox.V1.RedBox.RedBoxClient;
using SlurmK8s.RedBoxClient;

namespace SlurmK8s.Tests.RedBox.Callers;

/// <summary>A real Kestrel on a Unix socket, HTTP/2 and gRPC as red-box serves them, with the caller middleware in front.</summary>
internal sealed class CallerMiddlewareTests
{
    private TempDirectory _directory = null!;
    private string _socket = null!;
    private WebApplication? _app;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _socket = _directory.Combine("redbox.sock");
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _directory.Dispose();
    }

    [Test]
    public async Task GrpcCall_OverTheSocket_SeesTheKernelsWordForTheCallingProcess()
    {
        var resolver = new CountingCallerResolver(new CallerResolver(new FakePodDirectory()));
        await StartAsync(resolver);
        using var channel = RedBoxChannel.Create(_socket);

        var answer = await new GrpcClient(channel).WorkloadManagerInfoAsync(new WorkloadManagerInfoRequest());

        Assert.That(answer.Name, Is.EqualTo($"host process pid {Environment.ProcessId} uid 0"));
    }

    [Test]
    public async Task GrpcCalls_OnOneConnection_AreIdentifiedOnceAndASecondConnectionAgain()
    {
        var resolver = new CountingCallerResolver(new CallerResolver(new FakePodDirectory()));
        await StartAsync(resolver);
        using var first = RedBoxChannel.Create(_socket);
        using var second = RedBoxChannel.Create(_socket);

        for (var i = 0; i < 3; i++)
        {
            await new GrpcClient(first).WorkloadManagerInfoAsync(new WorkloadManagerInfoRequest());
        }
        Assert.That(resolver.Calls, Is.EqualTo(1));
        await new GrpcClient(second).WorkloadManagerInfoAsync(new WorkloadManagerInfoRequest());

        Assert.That(resolver.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task GrpcCall_WhenTheCallerCannotBeIdentified_SeesTheRefusal()
    {
        await StartAsync(new RefusingResolver("the calling process exited or was replaced while red-box identified it (pid 1, uid 2)"));
        using var channel = RedBoxChannel.Create(_socket);

        var answer = await new GrpcClient(channel).WorkloadManagerInfoAsync(new WorkloadManagerInfoRequest());

        Assert.That(answer.Name, Is.EqualTo("unidentified: the calling process exited or was replaced while red-box identified it (pid 1, uid 2)"));
    }

    [Test]
    public async Task GrpcCall_WhenTheListenerHasNoCallerMiddleware_IsRefusedNotGuessed()
    {
        await StartAsync(resolver: null);
        using var channel = RedBoxChannel.Create(_socket);

        var answer = await new GrpcClient(channel).WorkloadManagerInfoAsync(new WorkloadManagerInfoRequest());

        Assert.That(answer.Name, Is.EqualTo("unidentified: " + CallerFeature.NotThroughMiddleware.Refusal));
    }

    [Test]
    public async Task GrpcCall_FromAPodRedBoxDoesNotKnowYet_IsAskedToTryAgainAndTheRetryOnTheSameChannelIsIdentifiedAfresh()
    {
        // Red-box just restarted, or its pod watch is behind: the companion's call must be retried, never failed for good.
        var resolver = new CountingCallerResolver(new NotYetKnownResolver(new CallerResolver(new FakePodDirectory())));
        await StartAsync(resolver, scoped: true);
        using var channel = RedBoxChannel.Create(_socket);
        var client = new GrpcClient(channel);

        var first = await Assert.ThrowsAsync<RpcException>(async () => await client.WorkloadManagerInfoAsync(new WorkloadManagerInfoRequest()));
        Assert.That(first!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(first.Status.Detail, Does.Contain("try again").And.Contain("not among the pods"));
        Assert.That(SlurmUnreachableTrailer.Find(first.Trailers), Is.Null, "red-box does not blame Slurm for it");
        var second = await RetryAsync(() => client.WorkloadManagerInfoAsync(new WorkloadManagerInfoRequest()).ResponseAsync);

        Assert.That(second.Name, Does.StartWith("host process"));
        Assert.That(resolver.Calls, Is.EqualTo(2), "the refused connection was closed, and the retry's connection identified again");
    }

    [Test]
    public async Task GrpcCall_FromAPodThatNeverAppears_IsRefusedOnEveryRetryAndNeverServed()
    {
        // Attack: a caller red-box cannot place keeps retrying, hoping one connection slips through.
        var resolver = new CountingCallerResolver(new NotYetKnownResolver(new CallerResolver(new FakePodDirectory()), times: int.MaxValue));
        await StartAsync(resolver, scoped: true);
        using var channel = RedBoxChannel.Create(_socket);
        var client = new GrpcClient(channel);

        for (var attempt = 1; attempt <= 10; attempt++)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.WorkloadManagerInfoAsync(new WorkloadManagerInfoRequest()));
            Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.Unavailable), $"attempt {attempt}");
        }

        Assert.That(resolver.Calls, Is.GreaterThan(1), "each refusal closed its connection, and a retry is identified afresh");
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < 5)
            {
                // The GOAWAY may reach the client just after its next call went out on the closing connection.
                await Task.Delay(50);
            }
        }
    }

    private async Task StartAsync(ICallerResolver? resolver, bool scoped = false)
    {
        var builder = SlimHost.CreateBuilder();
        builder.Logging.ClearProviders();
        var middleware = resolver is null ? null : new CallerMiddleware(resolver, NullLogger<CallerMiddleware>.Instance);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(_socket, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (middleware is not null)
            {
                listen.Use(middleware.Wrap);
            }
        }));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<ICallScopes>(new CallScopes(
            () => TenancyFile.Parse("tenants:\n- name: chemistry\n  user: chem\n  account: chem\n  workRoot: /srv/chem\n  namespaces:\n  - namespace: chem\n"
                + "hostCallers:\n- uid: 0\n  tenant: chemistry\n", "/etc/slurmk8s/tenants.yaml", new FakeUserDatabase().Add("chem", 2001)),
            NullLogger<CallScopes>.Instance));
        _app = builder.Build();
        if (scoped)
        {
            _app.MapGrpcService<ScopedEchoService>();
        }
        else
        {
            _app.MapGrpcService<CallerEchoService>();
        }
        await _app.StartAsync();
    }

    /// <summary>The first connection's caller is a pod red-box's watch has not shown yet; later ones as the inner resolver says.</summary>
    /// <summary>The first <paramref name="times"/> connections come from a pod red-box does not know yet.</summary>
    private sealed class NotYetKnownResolver(ICallerResolver inner, int times = 1) : ICallerResolver
    {
        private int _calls;

        public Task<CallerResolution> ResolveAsync(PeerCredentials peer, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) <= times
                ? Task.FromResult(CallerResolution.NotYetKnown("the calling process runs in pod p-uid, which is not among the pods on node n that red-box watches"))
                : inner.ResolveAsync(peer, cancellationToken);
    }

    /// <summary>Answers with the caller as <see cref="ICallScopes.Identified"/> sees it (what every red-box call starts with).</summary>
    private sealed class ScopedEchoService(ICallScopes scopes) : SlurmK8s.Protos.RedBox.V1.RedBox.RedBoxBase
    {
        public override Task<WorkloadManagerInfoResponse> WorkloadManagerInfo(WorkloadManagerInfoRequest request, ServerCallContext context) =>
            Task.FromResult(new WorkloadManagerInfoResponse { Name = scopes.Identified(context).Describe() });
    }

    private sealed class RefusingResolver(string refusal) : ICallerResolver
    {
        public Task<CallerResolution> ResolveAsync(PeerCredentials peer, CancellationToken cancellationToken) =>
            Task.FromResult(CallerResolution.Refused(refusal));
    }
}
