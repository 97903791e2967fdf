using System.Net;

namespace SlurmK8s.ResourceDaemon;

/// <summary>The API server refused or could not be reached. <see cref="StatusCode"/> is null when no answer came.</summary>
internal sealed class NodeApiException(HttpStatusCode? statusCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;

    /// <summary>The request itself was refused (invalid, forbidden): repeating it unchanged will not help.</summary>
    public bool IsRejection => StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableEntity;
}
