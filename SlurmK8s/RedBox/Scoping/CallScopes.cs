using Grpc.Core;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox.Scoping;

/// <summary>
/// Each call's scope: the caller as its connection was identified (<see cref="CallerMiddleware"/>), mapped through the
/// tenancy file as it is now. A pod acts as its namespace's (and service account's) tenant, a host process as its uid's;
/// anyone else is refused, and every refusal is logged with who asked for what.
/// </summary>
internal sealed partial class CallScopes(Func<TenancyMap> tenancy, ILogger<CallScopes> logger) : ICallScopes
{
    public CallScope Of(ServerCallContext context) => Of(CallerFeature.Of(context), context.Method, CloseConnectionOf(context));

    public Caller Identified(ServerCallContext context)
    {
        var caller = IdentifiedOrRefused(CallerFeature.Of(context), context.Method, CloseConnectionOf(context));
        if (caller.Pod is null && tenancy().ForHost(caller.Uid) is { IsFound: false } lookup)
        {
            LogRefused(logger, context.Method, caller.Describe(), lookup.Refusal);
            throw new SlurmException(SlurmErrorKind.PermissionDenied, lookup.Refusal);
        }
        return caller;
    }

    /// <summary>The scope of a caller as its connection was identified; <paramref name="closeConnection"/> ends a connection told to try again.</summary>
    public CallScope Of(CallerResolution resolution, string method, Action? closeConnection = null)
    {
        var caller = IdentifiedOrRefused(resolution, method, closeConnection);
        var map = tenancy();
        var lookup = caller.Pod is { } pod ? map.ForPod(pod.Namespace, pod.ServiceAccount) : map.ForHost(caller.Uid);
        if (!lookup.IsFound)
        {
            LogRefused(logger, method, caller.Describe(), lookup.Refusal);
            throw new SlurmException(SlurmErrorKind.PermissionDenied, lookup.Refusal);
        }
        return new CallScope(caller, lookup.Tenant);
    }

    private Caller IdentifiedOrRefused(CallerResolution resolution, string method, Action? closeConnection = null)
    {
        if (resolution.MayChange)
        {
            // A pod red-box does not know yet: "try again" (UNAVAILABLE, without the trailer that would blame Slurm),
            // on a new connection that is identified afresh. It is never let in meanwhile.
            LogNotYetKnown(logger, method, resolution.Refusal!);
            closeConnection?.Invoke();
            throw new RpcException(new Status(StatusCode.Unavailable, $"red-box does not know the caller yet, try again: {resolution.Refusal}"));
        }
        if (!resolution.IsIdentified)
        {
            LogRefused(logger, method, "unidentified caller", resolution.Refusal!);
            throw new SlurmException(SlurmErrorKind.PermissionDenied, $"red-box could not tell who is calling: {resolution.Refusal}");
        }
        return resolution.Caller;
    }

    /// <summary>Asks Kestrel to close the call's connection once its calls have ended (HTTP/2 GOAWAY).</summary>
    private static Action CloseConnectionOf(ServerCallContext context) =>
        () => context.GetHttpContext().Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();

    /// <summary>Logs a call refused within a scope (e.g. another tenant's job), with the caller's identity.</summary>
    public void Refused(CallScope scope, string method, string what) => LogRefused(logger, method, scope.Describe(), what);

    [LoggerMessage(Level = LogLevel.Information, Message = "Asked to try {Method} again: {Why}")]
    private static partial void LogNotYetKnown(ILogger logger, string method, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} from {Caller}: {Why}")]
    private static partial void LogRefused(ILogger logger, string method, string caller, string why);
}
