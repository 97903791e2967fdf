namespace SlurmK8s.Kube;

/// <summary>Where a client's requests to the API server are counted (a role's metrics).</summary>
internal interface IApiRequestRecorder
{
    /// <summary>One request and its answer: the HTTP status code, or 0 when none came (no connection, a timeout).</summary>
    void RecordApiRequest(ApiRequestKind kind, int statusCode);

    /// <summary>A request waited this long for the client-side rate limit before it was sent.</summary>
    void RecordThrottled(TimeSpan waited);
}
