namespace SlurmK8s.Kube;

/// <summary>
/// What one request to the API server does, in the API server's own words (<c>apiserver_request_total</c>'s verb and
/// resource): verb get, list, watch, create, update, patch, delete or deletecollection; resource the plural, with the
/// subresource after a slash ("slurmjobs/status"). Paths that name no resource (/version, /openapi) are "nonresource".
/// </summary>
internal readonly record struct ApiRequestKind(string Verb, string Resource)
{
    public const string NonResource = "nonresource";

    public static ApiRequestKind Of(HttpMethod method, Uri? uri)
    {
        ArgumentNullException.ThrowIfNull(method);
        var segments = (uri?.AbsolutePath ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        // /api/v1/… or /apis/<group>/<version>/…
        var start = segments switch
        {
            ["api", _, ..] => 2,
            ["apis", _, _, ..] => 3,
            _ => -1,
        };
        var rest = start < 0 ? [] : segments[start..];
        if (rest is ["namespaces", _, _, ..])
        {
            rest = rest[2..];   // a namespaced resource: the namespace says nothing about what is done
        }
        if (rest.Length == 0)
        {
            return new ApiRequestKind(method.Method.ToLowerInvariant(), NonResource);
        }
        var item = rest.Length > 1;
        var resource = rest.Length > 2 ? $"{rest[0]}/{rest[2]}" : rest[0];
        var verb = method.Method switch
        {
            "GET" when IsWatch(uri!) => "watch",
            "GET" => item ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => item ? "delete" : "deletecollection",
            var other => other.ToLowerInvariant(),
        };
        return new ApiRequestKind(verb, resource);
    }

    /// <summary>Whether the API server counts it as a write (what etcd must store): every verb but get, list and watch.</summary>
    public bool IsWrite => Verb is not ("get" or "list" or "watch");

    private static bool IsWatch(Uri uri) =>
        uri.Query.TrimStart('?').Split('&').Any(p => p.Equals("watch=true", StringComparison.OrdinalIgnoreCase) || p.Equals("watch=1", StringComparison.Ordinal));
}
