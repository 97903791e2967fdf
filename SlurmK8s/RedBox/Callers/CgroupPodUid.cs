using System.Text.RegularExpressions;

namespace SlurmK8s.RedBox.Callers;

/// <summary>
/// The pod a process runs in, read from the text of /proc/&lt;pid&gt;/cgroup (one "hierarchy-id:controllers:path" line
/// per cgroup v1 hierarchy, "0::path" for v2). The kubelet names each pod's cgroup after the pod's UID:
/// <list type="bullet">
/// <item>cgroupfs driver: <c>/kubepods/besteffort/pod&lt;uid&gt;/&lt;container&gt;</c>, <c>/kubepods/pod&lt;uid&gt;/…</c> for Guaranteed pods;</item>
/// <item>systemd driver: <c>/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod&lt;uid with _&gt;.slice/cri-containerd-&lt;id&gt;.scope</c>,
/// or containerd's <c>…-pod&lt;uid&gt;.slice:cri-containerd:&lt;id&gt;</c>;</item>
/// <item>nested in a container (kind: <c>/docker/&lt;id&gt;/kubepods/…</c>) or relative to a cgroup namespace (<c>/../../pod&lt;uid&gt;/…</c>).</item>
/// </list>
/// Never a guess: lines that name different pods, a path under kubepods without a well-formed pod UID, a path that
/// leaves our cgroup namespace without naming a pod, or malformed text are all <see cref="CgroupMembershipKind.Unclear"/>.
/// So is a pod-named cgroup inside a user's slice: systemd delegates user@&lt;uid&gt;.service to its user, who may create
/// cgroups there and name one after any pod (pod UIDs are in every process's world-readable /proc/&lt;pid&gt;/cgroup).
/// </summary>
internal static partial class CgroupPodUid
{
    /// <summary>The pod UID, or null for a host process and for anything unclear (use <see cref="Classify"/> to tell them apart).</summary>
    public static string? Parse(string procCgroupText) => Classify(procCgroupText) is { Kind: CgroupMembershipKind.Pod, PodUid: var uid } ? uid : null;

    public static CgroupMembership Classify(string procCgroupText)
    {
        ArgumentNullException.ThrowIfNull(procCgroupText);
        var uids = new SortedSet<string>(StringComparer.Ordinal);
        var underKubepods = false;
        var outsideNamespace = false;
        var podInUserTree = false;
        var lines = 0;
        foreach (var raw in procCgroupText.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }
            lines++;
            var path = PathOf(line);
            if (path is null)
            {
                return CgroupMembership.Unclear($"has line {lines} '{line}', which is not 'hierarchy-id:controllers:/path'");
            }
            var podOnLine = false;
            var userTree = false;
            foreach (var segment in path.Split('/'))
            {
                if (PodSegment().Match(segment) is { Success: true } match)
                {
                    uids.Add(match.Groups["uid"].Value.Replace('_', '-'));
                    podOnLine = true;
                }
                underKubepods |= segment.Contains("kubepods", StringComparison.OrdinalIgnoreCase);
                outsideNamespace |= segment == "..";
                userTree |= segment == "user.slice" || segment.StartsWith("user@", StringComparison.Ordinal);
            }
            podInUserTree |= podOnLine && userTree;
        }
        return (uids.Count, lines) switch
        {
            (_, 0) => CgroupMembership.Unclear("is empty"),
            _ when podInUserTree => CgroupMembership.Unclear("names a pod inside user.slice, where a user may create and name cgroups (only the kubelet makes pod cgroups)"),
            ( > 1, _) => CgroupMembership.Unclear($"names different pods ({string.Join(", ", uids)})"),
            (1, _) => CgroupMembership.InPod(uids.Min!),
            _ when underKubepods => CgroupMembership.Unclear("lies under kubepods but names no pod UID of the form 8-4-4-4-12 lower-case hex"),
            _ when outsideNamespace => CgroupMembership.Unclear("places the process outside red-box's cgroup namespace ('..') and names no pod"),
            _ => CgroupMembership.HostProcess,
        };
    }

    /// <summary>The path of one line, or null when the line is not "digits:controllers:/path" (the path may itself hold ':').</summary>
    private static string? PathOf(string line)
    {
        var first = line.IndexOf(':', StringComparison.Ordinal);
        var second = first < 0 ? -1 : line.IndexOf(':', first + 1);
        if (first <= 0 || second < 0 || line.AsSpan(0, first).ContainsAnyExceptInRange('0', '9'))
        {
            return null;
        }
        var path = line[(second + 1)..];
        return path.StartsWith('/') ? path : null;
    }

    /// <summary>
    /// One path segment naming a pod: "pod&lt;uid&gt;" (cgroupfs) or "kubepods[-qos]-pod&lt;uid&gt;.slice[:runtime:id]" (systemd),
    /// the UID's separators all '-' or all '_' (the systemd driver writes '_': a '-' in a slice name means a parent slice).
    /// </summary>
    [GeneratedRegex(@"^(?:kubepods-(?:besteffort-|burstable-)?)?pod(?<uid>[0-9a-f]{8}(?<sep>[-_])[0-9a-f]{4}\k<sep>[0-9a-f]{4}\k<sep>[0-9a-f]{4}\k<sep>[0-9a-f]{12})(?:\.slice(?::.*)?)?$",
        RegexOptions.CultureInvariant)]
    private static partial Regex PodSegment();
}
