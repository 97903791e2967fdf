using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SlurmK8s.Cli;
using SlurmK8s.Kube;
using SlurmK8s.Os;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.RedBox.Scoping;
using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.Slurm;
using SlurmK8s.RedBoxContract;

namespace SlurmK8s.RedBox;

/// <summary>
/// Builds and starts red-box: the gRPC service on its Unix socket (each connection's caller identified from the kernel),
/// the tenancy file (followed live), the pods of this node (watched, when red-box has credentials) and the shared
/// job-state poller.
/// </summary>
internal static partial class RedBoxServer
{
    /// <summary>Starts red-box; null when a live red-box already answers on the socket.</summary>
    /// <param name="callers">Who is calling; null: the kernel's word and the pods of this node (tests put callers of their own here).</param>
    /// <exception cref="TenancyFileException">The tenancy file is missing or invalid: red-box does not start without one.</exception>
    public static async Task<WebApplication?> StartAsync(RedBoxOptions options, IProcessRunner runner, CancellationToken cancellationToken,
        ICallerResolver? callers = null)
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

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(runner);
        services.AddSingleton<ISlurmClient>(_ => new SlurmCli(runner, options.SlurmBinDir));
        services.AddSingleton<SlurmSite>();
        services.AddSingleton(s => new JobStateCacheOptions(options.PollInterval, ForgetAfter: TimeSpan.FromMinutes(10),
            s.GetRequiredService<SlurmSite>().IsAccountingEnabledAsync) { QuickPollInterval = options.QuickPollInterval });
        services.AddSingleton<JobStateCache>();
        services.AddHostedService(s => s.GetRequiredService<JobStateCache>());
        services.AddSingleton(_ => new IdempotencyJournal(Path.Combine(options.StateDir, "idempotency.journal"), options.JournalRetention));
        services.AddSingleton(s => new TenancyWatcher(options.TenancyFile, new EtcUserDatabase(), OwnIdentity(options), TenancyWatcher.DefaultDebounce,
            TenancyWatcher.DefaultPollInterval, s.GetRequiredService<ILogger<TenancyWatcher>>()));
        services.AddSingleton<ICallScopes>(s => new CallScopes(() => s.GetRequiredService<TenancyWatcher>().Current, s.GetRequiredService<ILogger<CallScopes>>()));
        services.AddSingleton(s => new JobSubmitterOptions(options.RecoveryWindow, s.GetRequiredService<SlurmSite>().GetAsync,
            () => s.GetRequiredService<TenancyWatcher>().Current.Tenants));
        services.AddSingleton<JobSubmitter>();
        services.AddSingleton(_ => new FileLister());
        services.AddHostedService<MemoryTrimmer.Service>();
        services.AddSingleton(s => new OutputFollower(s.GetRequiredService<JobStateCache>(), TimeSpan.FromMilliseconds(100)));
        services.AddSingleton(s => NodePods(options, s.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(s => callers ?? new CallerResolver(s.GetRequiredService<IPodDirectory>()));
        services.AddSingleton<CallerMiddleware>();
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<SlurmErrorInterceptor>();
            // Above the script limit, so that a script a little too large is refused by JobSubmitter in words, not by gRPC.
            grpc.MaxReceiveMessageSize = ScriptLimits.MaxRequestBytes;
        });
        // Every connection is identified from the kernel before its first call (once per connection, not per call).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(options.SocketPath, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.Use(kestrel.ApplicationServices.GetRequiredService<CallerMiddleware>().Wrap);
        }));

        var app = builder.Build();
        app.MapGrpcService<RedBoxService>();

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RedBox");
        // No tenancy file, no service: every call would be refused, so say why at once and do not start.
        var tenancy = app.Services.GetRequiredService<TenancyWatcher>();
        tenancy.Load();
        _ = tenancy.FollowAsync(app.Lifetime.ApplicationStopping);
        if (app.Services.GetRequiredService<IPodDirectory>() is PodDirectory watched)
        {
            _ = watched.RunAsync(app.Lifetime.ApplicationStopping);
        }
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
        var tenants = tenancy.Current.Summary();
        var pods = options.Kubeconfig is null ? "none (only host processes can call)" : $"node {options.NodeName}";
        var uid = Libc.GetEffectiveUserId();
        LogListening(logger, options.SocketPath, uid, options.TenancyFile, tenants, pods);
        return app;
    }

    /// <summary>Who red-box is, so the tenancy file cannot map a tenant to red-box's own user or groups.</summary>
    private static RedBoxIdentity OwnIdentity(RedBoxOptions options) =>
        new(Libc.GetEffectiveUserId(), Libc.GetEffectiveGroupId(), options.SocketGroup is null ? null : (uint?)Libc.GroupId(options.SocketGroup));

    /// <summary>The pods on this node, watched with red-box's own read-only credentials; without them, no pod can be identified.</summary>
    private static IPodDirectory NodePods(RedBoxOptions options, ILoggerFactory loggers)
    {
        if (options.Kubeconfig is null)
        {
            return new NoPods(options.NodeName);
        }
        var client = new KubeClient(KubeConfig.Load(options.Kubeconfig));
        return new PodDirectory(WatchSources.PodsOnNode(client, options.NodeName), options.NodeName, loggers.CreateLogger<PodDirectory>());
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

    [LoggerMessage(Level = LogLevel.Information, Message = "red-box listening on {Socket} as uid {Uid}; tenancy {TenancyFile}: {Tenants}; pods: {Pods}")]
    private static partial void LogListening(ILogger logger, string socket, uint uid, string tenancyFile, string tenants, string pods);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slurm did not answer at start-up ({Kind}): {Error}; will keep trying")]
    private static partial void LogSlurmNotReady(ILogger logger, SlurmErrorKind kind, string error);
}
