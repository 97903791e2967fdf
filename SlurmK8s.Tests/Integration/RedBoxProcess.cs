using Grpc.Net.Client;
using SlurmK8s.RedBox;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBoxClient;

namespace SlurmK8s.Tests.Integration;

/// <summary>`slurmk8s redbox` as its own process (see <see cref="SlurmK8sProcess"/>), with a gRPC client on its socket.</summary>
internal sealed class RedBoxProcess : IDisposable
{
    private readonly GrpcChannel _channel;

    private RedBoxProcess(SlurmK8sProcess process, string socket)
    {
        Process = process;
        _channel = RedBoxChannel.Create(socket);
        Client = new Proto.RedBox.RedBoxClient(_channel);
    }

    public SlurmK8sProcess Process { get; }
    public Proto.RedBox.RedBoxClient Client { get; }

    /// <summary>Starts `redbox --socket <paramref name="socket"/>` with <paramref name="redboxArgs"/>, and waits until it listens.</summary>
    public static async Task<RedBoxProcess> StartAsync(string socket, SlurmK8sProcessOptions options, params string[] redboxArgs)
    {
        var process = SlurmK8sProcess.Start("redbox", ["--socket", socket, "--log-format", "text", .. redboxArgs], options);
        // Slurm commands give up on a controller that does not answer after ~10 s, and red-box asks at start-up.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        try
        {
            while (!await UnixSocket.IsLiveAsync(socket, CancellationToken.None))
            {
                Assert.That(process.Process.HasExited, Is.False, $"red-box exited with {(process.Process.HasExited ? process.Process.ExitCode : 0)}:\n{string.Join('\n', process.Log)}");
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "red-box did not listen within 30 s");
                await Task.Delay(50);
            }
        }
        catch
        {
            process.Dispose();
            throw;
        }
        return new RedBoxProcess(process, socket);
    }

    public void Dispose()
    {
        _channel.Dispose();
        Process.Dispose();
    }
}
