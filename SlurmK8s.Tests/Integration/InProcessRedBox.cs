using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SlurmK8s.Os;
using SlurmK8s.RedBox;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxClient;

namespace SlurmK8s.Tests.Integration;

/// <summary>A real red-box, in this process, on a temporary socket, over the real Slurm; reached through a real gRPC client.</summary>
internal sealed class InProcessRedBox : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private readonly List<GrpcChannel> _channels = [];

    private InProcessRedBox(WebApplication app, RedBoxOptions options, CountingProcessRunner runner, TestTenancy tenancy, ActingCallers callers)
    {
        _app = app;
        Options = options;
        Runner = runner;
        Tenancy = tenancy;
        Callers = callers;
        _channel = RedBoxChannel.Create(options.SocketPath);
        Client = new Proto.RedBox.RedBoxClient(_channel);
    }

    /// <summary>A client as this test process: a host process of uid 0, which the tenancy file maps to its host tenant.</summary>
    public Proto.RedBox.RedBoxClient Client { get; }

    public TestTenancy Tenancy { get; }

    public ActingCallers Callers { get; }

    /// <summary>
    /// A client on a connection of its own, which red-box takes to be <paramref name="caller"/>: the connection is made,
    /// and identified, by <paramref name="firstCall"/> (WhoAmI when not given, which a caller with no tenant fails).
    /// </summary>
    public async Task<Proto.RedBox.RedBoxClient> ClientAsAsync(SlurmK8s.RedBox.Callers.Caller caller, Func<Proto.RedBox.RedBoxClient, Task>? firstCall = null)
    {
        var channel = RedBoxChannel.Create(Options.SocketPath);
        _channels.Add(channel);
        Callers.Acting = caller;
        try
        {
            var client = new Proto.RedBox.RedBoxClient(channel);
            await (firstCall ?? (c => c.WhoAmIAsync(new Proto.WhoAmIRequest()).ResponseAsync))(client);
            return client;
        }
        finally
        {
            Callers.Acting = null;
        }
    }
    public RedBoxOptions Options { get; }
    public CountingProcessRunner Runner { get; }
    public JobStateCache Cache => _app.Services.GetRequiredService<JobStateCache>();

    /// <summary>Starts red-box; the same <paramref name="directory"/> again means "the same submit host after a restart".</summary>
    /// <param name="hostTenant">The tenant this test process (uid 0) acts as.</param>
    public static async Task<InProcessRedBox> StartAsync(string directory, TimeSpan? pollInterval = null, string hostTenant = "jobs")
    {
        var tenancy = File.Exists(Path.Combine(directory, "tenants.yaml")) ? TestTenancy.Open(directory) : TestTenancy.Create(directory, hostTenant);
        var options = new RedBoxOptions
        {
            SocketPath = Path.Combine(directory, "red-box.sock"),
            TenancyFile = tenancy.File,
            StateDir = Path.Combine(directory, "state"),
            PollInterval = pollInterval ?? TimeSpan.FromMilliseconds(300),
            JsonLogs = false,
        };
        var runner = new CountingProcessRunner(new ProcessRunner());
        var callers = new ActingCallers();
        var app = await RedBoxServer.StartAsync(options, runner, CancellationToken.None, callers)
                  ?? throw new InvalidOperationException("a red-box already answers on " + options.SocketPath);
        return new InProcessRedBox(app, options, runner, tenancy, callers);
    }

    /// <summary>Stops at once, cutting every open call and stream, as a crash would (disposing waits for open streams to end).</summary>
    public async Task CrashAsync()
    {
        await _app.StopAsync(new CancellationToken(canceled: true));
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        _channels.ForEach(c => c.Dispose());
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
