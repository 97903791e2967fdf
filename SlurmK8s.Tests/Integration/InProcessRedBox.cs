using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SlurmK8s.Os;
using SlurmK8s.RedBox;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Integration;

/// <summary>A real red-box, in this process, on a temporary socket, over the real Slurm; reached through a real gRPC client.</summary>
internal sealed class InProcessRedBox : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private InProcessRedBox(WebApplication app, RedBoxOptions options, CountingProcessRunner runner)
    {
        _app = app;
        Options = options;
        Runner = runner;
        _channel = RedBoxChannel.Create(options.SocketPath);
        Client = new Proto.RedBox.RedBoxClient(_channel);
    }

    public Proto.RedBox.RedBoxClient Client { get; }
    public RedBoxOptions Options { get; }
    public CountingProcessRunner Runner { get; }
    public JobStateCache Cache => _app.Services.GetRequiredService<JobStateCache>();

    /// <summary>Starts red-box; the same <paramref name="directory"/> again means "the same submit host after a restart".</summary>
    public static async Task<InProcessRedBox> StartAsync(string directory, TimeSpan? pollInterval = null)
    {
        Directory.CreateDirectory(Path.Combine(directory, "work"));
        var options = new RedBoxOptions
        {
            SocketPath = Path.Combine(directory, "red-box.sock"),
            WorkDir = Path.Combine(directory, "work"),
            StateDir = Path.Combine(directory, "state"),
            PollInterval = pollInterval ?? TimeSpan.FromMilliseconds(300),
            JsonLogs = false,
        };
        var runner = new CountingProcessRunner(new ProcessRunner());
        var app = await RedBoxServer.StartAsync(options, runner, CancellationToken.None)
                  ?? throw new InvalidOperationException("a red-box already answers on " + options.SocketPath);
        return new InProcessRedBox(app, options, runner);
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
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
