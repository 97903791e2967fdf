using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SlurmK8s.Os;
using SlurmK8s.Slurm;

using SlurmK8s.Cli;

namespace SlurmK8s.RedBox;

/// <summary>Builds and starts red-box: the gRPC service on its Unix socket and the shared job-state poller.</summary>
internal static partial class RedBoxServer
{
    /// <summary>Starts red-box; null when a live red-box already answers on the socket.</summary>
    public static async Task<WebApplication?> StartAsync(RedBoxOptions options, IProcessRunner runner, CancellationToken cancellationToken)
    {
        if (!await UnixSocket.PrepareAsync(options.SocketPath, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        Directory.CreateDirectory(options.StateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var builder = SlimHost.CreateBuilder();
        builder.Logging.ClearProviders();
        // Our own events only; the framework's per-request lines would double the log and cost time on every call.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);
        if (options.JsonLogs)
        {
            builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(options.SocketPath, l => l.Protocols = HttpProtocols.Http2));

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(runner);
        services.AddSingleton<ISlurmClient>(_ => new SlurmCli(runner, options.SlurmBinDir));
        services.AddSingleton<SlurmSite>();
        services.AddSingleton(s => new JobStateCacheOptions(options.PollInterval, ForgetAfter: TimeSpan.FromMinutes(10),
            s.GetRequiredService<SlurmSite>().IsAccountingEnabledAsync));
        services.AddSingleton<JobStateCache>();
        services.AddHostedService(s => s.GetRequiredService<JobStateCache>());
        services.AddSingleton(_ => new IdempotencyJournal(Path.Combine(options.StateDir, "idempotency.journal"), options.JournalRetention));
        services.AddSingleton(s => new JobSubmitterOptions(options.WorkDir, options.RecoveryWindow, s.GetRequiredService<SlurmSite>().IsAccountingEnabledAsync));
        services.AddSingleton<JobSubmitter>();
        services.AddSingleton(_ => new ServedRoots(options.WorkDir, options.AllServedRoots));
        services.AddSingleton(s => new FileLister(s.GetRequiredService<ServedRoots>(), options.WorkDir));
        services.AddSingleton(s => new OutputFollower(s.GetRequiredService<ServedRoots>(), s.GetRequiredService<JobStateCache>(),
            s.GetRequiredService<ISlurmClient>(), options.WorkDir, TimeSpan.FromMilliseconds(100)));
        services.AddGrpc(grpc => grpc.Interceptors.Add<SlurmErrorInterceptor>());

        var app = builder.Build();
        app.MapGrpcService<RedBoxService>();

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RedBox");
        await PrepareSlurmAsync(app.Services, logger, cancellationToken).ConfigureAwait(false);

        // The socket is born 0600 (umask) and only then opened to the group: never wider than 0660, even briefly.
        var previousMask = Libc.SetUmask(0x3F); // 077
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _ = Libc.SetUmask(previousMask);
        }
        UnixSocket.Secure(options.SocketPath, options.SocketGroup is null ? null : Libc.GroupId(options.SocketGroup));
        var roots = string.Join(", ", options.AllServedRoots);
        var uid = Libc.GetEffectiveUserId();
        LogListening(logger, options.SocketPath, options.WorkDir, roots, uid);
        return app;
    }

    /// <summary>Reads the cluster's configuration and recovers the journal; if Slurm is down, red-box starts anyway and keeps asking.</summary>
    private static async Task PrepareSlurmAsync(IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        var site = services.GetRequiredService<SlurmSite>();
        try
        {
            await site.GetAsync(cancellationToken).ConfigureAwait(false);
            await services.GetRequiredService<JobSubmitter>().RecoverAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SlurmException e)
        {
            // Keyed submissions ask Slurm before submitting until a recovery succeeds.
            LogSlurmNotReady(logger, e.Kind, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "red-box listening on {Socket} as uid {Uid}; submitting from {WorkDir}; serving {Roots}")]
    private static partial void LogListening(ILogger logger, string socket, string workDir, string roots, uint uid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slurm did not answer at start-up ({Kind}): {Error}; will keep trying")]
    private static partial void LogSlurmNotReady(ILogger logger, SlurmErrorKind kind, string error);
}
