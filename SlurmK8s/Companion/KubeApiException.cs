namespace SlurmK8s.Companion;

/// <summary>The Kubernetes API refused or did not answer. <see cref="StatusCode"/> is the HTTP status, 0 when nothing answered.</summary>
internal sealed class KubeApiException(int statusCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>Worth another try: nothing answered, the server is overloaded, or it failed on its side.</summary>
    public bool IsTransient => StatusCode is 0 or 429 or >= 500;

    public bool IsNotFound => StatusCode == 404;
}
