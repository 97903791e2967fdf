using System.Net;
using System.Net.Sockets;

namespace SlurmK8s.Tests;

internal static class Ports
{
    /// <summary>A loopback TCP port nothing listened on a moment ago: to listen on, or to be refused by.</summary>
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
