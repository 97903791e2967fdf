using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using SlurmK8s.Cli;

namespace SlurmK8s.ControllerRuntime.Observability;

/// <summary>A small Kestrel (slim builder, HTTP/1.1) serving only the health and metrics endpoints on their own port.</summary>
internal sealed class ObservabilityServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ObservabilityServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The port bound (the one asked for, or the one the system chose for port 0).</summary>
    public int Port { get; }

    /// <summary>
    /// Starts listening on <paramref name="address"/>:<paramref name="port"/> (0 = any free port). Not cancellable: binding
    /// a port is quick, and a stop that comes meanwhile is seen by what the role runs next, so a role stopped while it
    /// starts still exits as stopped rather than with the start's cancellation.
    /// </summary>
    public static async Task<ObservabilityServer> StartAsync(IPAddress address, int port, PrometheusCollector collector, HealthState health)
    {
        var builder = SlimHost.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.MapObservability(collector, health);
        try
        {
            await app.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(a => new Uri(a).Port)
            .First();
        return new ObservabilityServer(app, bound);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
