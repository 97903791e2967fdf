using Microsoft.Extensions.Logging;

namespace SlurmK8s.ControllerRuntime;

/// <summary>Source-generated log lines of the controller runtime (the generic types cannot hold them).</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Listed {Count} {Resource} at resourceVersion {ResourceVersion}")]
    public static partial void Listed(this ILogger logger, int count, string resource, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Resource} expired at resourceVersion {ResourceVersion} ({Error}); listing again")]
    public static partial void WatchExpired(this ILogger logger, string resource, string? resourceVersion, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} of {Resource} failed ({Error}); retrying in {Delay}")]
    public static partial void WatchFailed(this ILogger logger, string operation, string resource, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a change of {Resource} {Key} failed")]
    public static partial void ChangeHandlerFailed(this ILogger logger, Exception exception, string resource, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processing {Key} failed (failure {Failures} in a row); retrying in {Delay}")]
    public static partial void ProcessingFailed(this ILogger logger, Exception exception, string key, int failures, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not post event {Reason} on {Kind} {Key}: {Error}")]
    public static partial void EventFailed(this ILogger logger, string reason, string? kind, string key, string error);
}
