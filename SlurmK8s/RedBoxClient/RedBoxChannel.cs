using System.Net.Sockets;
using Grpc.Net.Client;

namespace SlurmK8s.RedBoxClient;

/// <summary>A gRPC channel to red-box over its Unix socket.</summary>
internal static class RedBoxChannel
{
    public static GrpcChannel Create(string socketPath) => GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        },
        MaxReceiveMessageSize = 16 * 1024 * 1024,
    });
}
