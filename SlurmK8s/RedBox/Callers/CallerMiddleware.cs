using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace SlurmK8s.RedBox.Callers;

/// <summary>
/// Kestrel connection middleware: identifies the peer of each accepted connection once — gRPC keeps one connection
/// per channel, so the cost is per channel, not per call — and sets an <see cref="ICallerFeature"/> on the connection.
/// A caller that cannot be identified still gets its connection; every call on it then sees the refusal.
/// Use: <c>ListenUnixSocket(path, l => l.Use(middleware.Wrap))</c>.
/// </summary>
internal sealed partial class CallerMiddleware(ICallerResolver resolver, ILogger<CallerMiddleware> logger)
{
    public ConnectionDelegate Wrap(ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return async connection =>
        {
            CallerResolution resolution;
            try
            {
                resolution = await IdentifyAsync(connection).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (connection.ConnectionClosed.IsCancellationRequested)
            {
                // The caller hung up while red-box was still looking it up.
                return;
            }
            connection.Features.Set<ICallerFeature>(new CallerFeature(resolution));
            if (resolution.IsIdentified)
            {
                LogIdentified(logger, connection.ConnectionId, resolution.Caller);
            }
            else
            {
                LogUnidentified(logger, connection.ConnectionId, resolution.Refusal);
            }
            await next(connection).ConfigureAwait(false);
        };
    }

    private async Task<CallerResolution> IdentifyAsync(ConnectionContext connection)
    {
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            return CallerResolution.Refused("red-box cannot identify the caller: the connection has no socket to ask the kernel about");
        }
        PeerCredentials peer;
        try
        {
            peer = PeerCredentials.Read(socket);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return CallerResolution.Refused($"red-box cannot identify the caller: the kernel did not give the socket's peer (SO_PEERCRED, SO_PEERPIDFD): {e.Message}");
        }
        using (peer)
        {
            return await resolver.ResolveAsync(peer, connection.ConnectionClosed).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {Caller}")]
    private static partial void LogIdentified(ILogger logger, string connectionId, Caller caller);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {ConnectionId}: caller not identified, its calls will be refused: {Refusal}")]
    private static partial void LogUnidentified(ILogger logger, string connectionId, string refusal);
}
