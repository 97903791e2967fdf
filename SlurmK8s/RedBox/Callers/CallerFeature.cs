using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace SlurmK8s.RedBox.Callers;

/// <summary>
/// Holds a connection's <see cref="CallerResolution"/>. A request's feature collection in Kestrel falls back to its
/// connection's features, so a call reaches what the connection middleware set (CallerFeatureTests proves it over HTTP/2).
/// </summary>
internal sealed class CallerFeature(CallerResolution resolution) : ICallerFeature
{
    public static CallerResolution NotThroughMiddleware { get; } = CallerResolution.Refused(
        "red-box has no identity for this connection: it did not come through the caller middleware");

    public CallerResolution Resolution => resolution;

    /// <summary>The caller of a gRPC call; a refusal when the connection was never identified (fail closed).</summary>
    public static CallerResolution Of(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Of(context.GetHttpContext());
    }

    /// <summary>The caller of a request; a refusal when the connection was never identified (fail closed).</summary>
    public static CallerResolution Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ICallerFeature>()?.Resolution ?? NotThroughMiddleware;
    }
}
