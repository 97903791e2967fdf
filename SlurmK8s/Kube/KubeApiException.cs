using System.Text.Json;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Kube;

/// <summary>
/// The API server refused a request, or did not answer. Carries its HTTP status, its reason word (Conflict,
/// AlreadyExists, NotFound, Expired, …) and its message, so callers can catch narrowly:
/// <c>catch (KubeApiException e) when (e.IsConflict)</c>.
/// </summary>
internal sealed class KubeApiException(int statusCode, string? reason, string message, Exception? innerException = null, string? serverMessage = null)
    : Exception(message, innerException)
{
    /// <summary>The API server's own words (its Status message), without what this client adds; null when it gave none.</summary>
    public string? ServerMessage { get; } = serverMessage;

    /// <summary>The HTTP status (or the Status object's code, for an error inside a watch stream); 0 when nothing answered.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>The API server's reason word (metav1.StatusReason), when it gave one.</summary>
    public string? Reason { get; } = reason;

    /// <summary>A write carried a stale resourceVersion: re-read and try again.</summary>
    public bool IsConflict => StatusCode == 409 && Reason != "AlreadyExists";

    public bool IsAlreadyExists => StatusCode == 409 && Reason == "AlreadyExists";

    public bool IsNotFound => StatusCode == 404;

    /// <summary>The resourceVersion is too old (compacted, or older than the watch cache): list again.</summary>
    public bool IsGone => StatusCode == 410;

    /// <summary>Worth retrying as is, after a pause: nothing answered, throttled, timed out or the server is unwell.</summary>
    public bool IsTransient => StatusCode is 0 or 429 or >= 500;

    /// <summary>The request itself was refused (invalid or forbidden): repeating it unchanged will not help.</summary>
    public bool IsRejection => StatusCode is 400 or 403 or 422;

    /// <summary>
    /// A failed HTTP response from the API server: its status code and body (a Status object, usually), keeping the
    /// API server's own words. <paramref name="what"/> names the request (e.g. "patch status of SlurmJob ns/name").
    /// </summary>
    public static KubeApiException From(int httpStatusCode, string? body, string? reasonPhrase, string what, Exception? innerException = null)
    {
        var status = ParseStatus(body);
        var detail = status?.Message is { Length: > 0 } m ? m : reasonPhrase ?? "no message";
        return new KubeApiException(status?.Code ?? httpStatusCode, status?.Reason, $"{what}: {detail} (HTTP {httpStatusCode})", innerException,
            status?.Message is { Length: > 0 } ? status.Message : null);
    }

    /// <summary>No answer came (connection refused or reset, DNS, TLS, the HTTP client's own timeout).</summary>
    public static KubeApiException Unanswered(Exception e, string what)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new KubeApiException(0, null, $"{what}: the API server did not answer ({e.Message})", e);
    }

    /// <summary>Whether <paramref name="e"/> means no answer came, rather than our own cancellation or a bug.</summary>
    public static bool IsNoAnswer(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Runs a request: no answer comes out as a <see cref="KubeApiException"/> naming <paramref name="what"/> (status 0); our own cancellation stays a cancellation.</summary>
    public static async Task<T> TranslateAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (IsNoAnswer(e, cancellationToken))
        {
            throw Unanswered(e, what);
        }
    }

    /// <summary>An error the API server sent as a Status object (e.g. an ERROR event inside a watch).</summary>
    public static KubeApiException From(V1Status status, string what)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new KubeApiException(status.Code ?? 0, status.Reason, $"{what}: {status.Message ?? status.Reason ?? "no message"} ({status.Code})");
    }

    /// <summary>The API server's Status body, if the body is one (it is for every API error; not for a proxy's).</summary>
    internal static V1Status? ParseStatus(string? body)
    {
        if (string.IsNullOrWhiteSpace(body) || body.TrimStart()[0] != '{')
        {
            return null;
        }
        try
        {
            var status = JsonSerializer.Deserialize(body, ApiJsonContext.Default.V1Status);
            return status?.Kind == "Status" ? status : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
