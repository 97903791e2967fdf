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

    private async Task StartAsync(ICallerResolver? resolver)
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
        _app = builder.Build();
        _app.MapGrpcService<CallerEchoService>();
        await _app.StartAsync();
    }

    private sealed class RefusingResolver(string refusal) : ICallerResolver
    {
        public Task<CallerResolution> ResolveAsync(PeerCredentials peer, CancellationToken cancellationToken) =>
            Task.FromResult(CallerResolution.Refused(refusal));
    }
}
