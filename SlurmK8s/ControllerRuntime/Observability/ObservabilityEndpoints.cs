using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace SlurmK8s.ControllerRuntime.Observability;

/// <summary>The three endpoints, mappable onto any host: <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>.</summary>
internal static class ObservabilityEndpoints
{
    /// <summary>Maps the endpoints with plain request delegates (no minimal-API binding, so nothing for AOT to generate).</summary>
    public static IEndpointRouteBuilder MapObservability(this IEndpointRouteBuilder endpoints, PrometheusCollector collector, HealthState health)
    {
        endpoints.MapGet("/healthz", context => health.NotLiveReason is { } problem
            ? PlainAsync(context, StatusCodes.Status500InternalServerError, $"unhealthy: {problem}\n")
            : PlainAsync(context, StatusCodes.Status200OK, "ok\n"));
        endpoints.MapGet("/readyz", context => health.NotReadyReason is { } reason
            ? PlainAsync(context, StatusCodes.Status503ServiceUnavailable, $"not ready: {reason}\n")
            : PlainAsync(context, StatusCodes.Status200OK, "ok\n"));
        endpoints.MapGet("/metrics", context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = PrometheusText.ContentType;
            return context.Response.WriteAsync(collector.Collect(), context.RequestAborted);
        });
        return endpoints;
    }

    private static Task PlainAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        // Probes must see the state now, not a cached answer.
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(body, context.RequestAborted);
    }
}
