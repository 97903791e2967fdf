using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.RedBoxClient;

/// <summary>
/// The one way a role talks to red-box: a channel to its socket and a client whose failures arrive as
/// <see cref="Slurm.SlurmException"/>s in words (<see cref="RedBoxErrorInterceptor"/>). Used by the companion,
/// resourced's discovery and `slurmk8s redbox ask`.
/// </summary>
internal sealed class RedBoxConnection : IDisposable
{
    private readonly GrpcChannel _channel;

    private RedBoxConnection(string socketPath)
    {
        SocketPath = socketPath;
        _channel = RedBoxChannel.Create(socketPath);
        Client = new Proto.RedBox.RedBoxClient(_channel.Intercept(new RedBoxErrorInterceptor(socketPath)));
    }

    public string SocketPath { get; }

    /// <summary>The contract's client, every call translated.</summary>
    public Proto.RedBox.RedBoxClient Client { get; }

    /// <summary>What the companion asks of red-box, over this connection.</summary>
    public IRedBox RedBox => new GrpcRedBox(Client);

    public static RedBoxConnection Connect(string socketPath) => new(socketPath);

    public void Dispose() => _channel.Dispose();
}
