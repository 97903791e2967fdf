using k8s.Models;

namespace SlurmK8s.Operator;

/// <summary>
/// Which volumes a SlurmJob's spec.results.mount may be (operator flags). Whoever may create a SlurmJob chooses that
/// volume and the companion writes into it, so an unchecked hostPath would let them write into any host directory the
/// companion's UID can. hostPath is therefore never allowed as a type, only under the directories the administrator
/// lists. Pure: the paths are compared as written; the node's file system (symlinks under a prefix) is not looked at.
/// </summary>
internal sealed class ResultsVolumePolicy
{
    public const string TypesFlag = "--results-volume-types";
    public const string HostPathPrefixFlag = "--results-host-path-prefix";

    /// <summary>A prefix segment that stands for the SlurmJob's namespace, so that each tenant has a host directory of its own.</summary>
    public const string NamespacePlaceholder = "{namespace}";

    /// <summary>Storage mounted from elsewhere or made for the pod, not the node's own directories (what a CSI driver serves is the administrator's choice).</summary>
    public static IReadOnlyList<string> DefaultTypes { get; } = ["persistentVolumeClaim", "nfs", "emptyDir", "csi", "ephemeral"];

    public static ResultsVolumePolicy Default { get; } = new(DefaultTypes, []);

    private ResultsVolumePolicy(IReadOnlyList<string> types, IReadOnlyList<string> hostPathPrefixes)
    {
        Types = types;
        HostPathPrefixes = hostPathPrefixes;
        Description = (types.Count == 0 ? "no volume types" : "types " + string.Join(", ", types))
                      + (hostPathPrefixes.Count == 0 ? "; no hostPath" : "; hostPath under " + string.Join(", ", hostPathPrefixes));
    }

    /// <summary>Allowed volume types, in the API's spelling; never hostPath.</summary>
    public IReadOnlyList<string> Types { get; }

    /// <summary>Canonical absolute directories under which a hostPath is allowed; empty: no hostPath.</summary>
    public IReadOnlyList<string> HostPathPrefixes { get; }

    /// <summary>The policy in words, e.g. "types persistentVolumeClaim, nfs; hostPath under /data".</summary>
    public string Description { get; }

    /// <summary>The policy, or an error naming the flag and the fix.</summary>
    /// <param name="types">Volume type names (case-insensitive), e.g. the comma-separated parts of --results-volume-types.</param>
    /// <param name="hostPathPrefixes">Absolute host directories (--results-host-path-prefix, repeatable).</param>
    public static (ResultsVolumePolicy? Policy, string? Error) Create(IEnumerable<string> types, IEnumerable<string> hostPathPrefixes)
    {
        var allowed = new List<string>();
        foreach (var given in types.Select(t => t.Trim()).Where(t => t.Length > 0))
        {
            var name = VolumeSources.Canonical(given);
            if (name is null)
            {
                return (null, $"{TypesFlag}: \"{given}\" is not a Kubernetes volume type; known types: {string.Join(", ", VolumeSources.Names)}");
            }
            if (name == VolumeSources.HostPath)
            {
                return (null, $"{TypesFlag}: hostPath cannot be allowed everywhere: name the host directories it may use with {HostPathPrefixFlag} DIR (repeatable) instead");
            }
            if (!allowed.Contains(name))
            {
                allowed.Add(name);
            }
        }
        var prefixes = new List<string>();
        foreach (var given in hostPathPrefixes)
        {
            if (CanonicalPath(given, out var problem) is not { } prefix)
            {
                return (null, $"{HostPathPrefixFlag} \"{given}\" {problem}: give an absolute directory such as /var/lib/slurmk8s/results");
            }
            if (prefix.Split('/').Any(s => s != NamespacePlaceholder && (s.Contains('{', StringComparison.Ordinal) || s.Contains('}', StringComparison.Ordinal))))
            {
                return (null, $"{HostPathPrefixFlag} \"{given}\": the only placeholder is a whole {NamespacePlaceholder} segment, e.g. /srv/results/{NamespacePlaceholder}");
            }
            if (!prefixes.Contains(prefix))
            {
                prefixes.Add(prefix);
            }
        }
        return (new ResultsVolumePolicy(allowed, prefixes), null);
    }

    /// <summary>Why this volume may not receive results, naming the policy and the fix; null when it may.</summary>
    /// <remarks>The volume must name exactly one source (CompanionPod checks that first).</remarks>
    /// <param name="jobNamespace">The SlurmJob's namespace, for prefixes with a {namespace} segment.</param>
    public string? Refusal(V1Volume volume, string jobNamespace)
    {
        var type = VolumeSources.Of(volume).Single();
        var what = $"spec.results.mount \"{volume.Name}\"";
        if (type != VolumeSources.HostPath)
        {
            return Types.Contains(type)
                ? null
                : $"{what} uses volume type {type}, which this cluster's results-volume policy ({Description}) does not allow: "
                  + $"use an allowed type, or ask the administrator to add {type} to the operator's {TypesFlag}";
        }

        var path = volume.HostPath.Path ?? "";
        if (CanonicalPath(path, out var problem) is not { } canonical)
        {
            return $"{what} hostPath \"{path}\" {problem}: write it as an absolute path without . or .. (results-volume policy: {Description})";
        }
        if (HostPathPrefixes.Any(prefix => ForNamespace(prefix, jobNamespace) is { } resolved && IsUnder(canonical, resolved)))
        {
            return null;
        }
        return HostPathPrefixes.Count == 0
            ? $"{what} uses hostPath {path}, which this cluster's results-volume policy ({Description}) does not allow: "
              + $"use an allowed type, or ask the administrator to allow a host directory with the operator's {HostPathPrefixFlag}"
            : $"{what} uses hostPath {path}, outside the host directories this cluster's results-volume policy ({Description}) allows: "
              + $"use a path under one of them or an allowed type, or ask the administrator to add the operator's {HostPathPrefixFlag}";
    }

    /// <summary>The prefix with {namespace} filled in; null if the name could not be one path segment (the API never gives such a name).</summary>
    private static string? ForNamespace(string prefix, string jobNamespace) =>
        !prefix.Contains(NamespacePlaceholder, StringComparison.Ordinal) ? prefix
        : jobNamespace is null or "" or "." or ".." || jobNamespace.Contains('/', StringComparison.Ordinal) || jobNamespace.Contains('\0', StringComparison.Ordinal) ? null
        : prefix.Replace(NamespacePlaceholder, jobNamespace, StringComparison.Ordinal);

    /// <summary>Segment-wise, so that /data-evil is not under /data.</summary>
    private static bool IsUnder(string path, string prefix) =>
        prefix == "/" || path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal);

    /// <summary>
    /// The absolute path with repeated and trailing slashes and "." segments removed, or null (with the problem) when it
    /// is relative or has a ".." segment: ".." is refused, not resolved, as the kubelet would follow it on the node.
    /// </summary>
    private static string? CanonicalPath(string path, out string problem)
    {
        problem = "";
        if (!path.StartsWith('/'))
        {
            problem = path.Length == 0 ? "is empty" : "is not absolute";
            return null;
        }
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            problem = "contains a NUL character";
            return null;
        }
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
        if (segments.Contains(".."))
        {
            problem = "has a \"..\" segment";
            return null;
        }
        return "/" + string.Join('/', segments);
    }
}
