using System.Globalization;

namespace SlurmK8s.RedBox.Callers;

/// <summary>
/// Identifies the process at the other end of a connection: its pod UID from /proc/&lt;pid&gt;/cgroup, then the pod from
/// the node's pods. A pid can be reused by another process at any moment, so the process's start time is read before
/// and after, and must match; where the kernel gave a pidfd, the original process must also still exist (then the pid
/// cannot have been reused since it connected). Whatever cannot be established is refused, never guessed.
/// </summary>
/// <param name="procRoot">Where /proc is (tests give a directory of their own).</param>
internal sealed class CallerResolver(IPodDirectory pods, string procRoot = "/proc") : ICallerResolver
{
    public async Task<CallerResolution> ResolveAsync(PeerCredentials peer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var who = string.Create(CultureInfo.InvariantCulture, $"pid {peer.Pid}, uid {peer.Uid}");
        if (peer.Pid <= 0)
        {
            return CallerResolution.Refused($"red-box cannot identify the calling process (uid {peer.Uid}): the kernel gives no pid for it, "
                + "as for a process in a pid namespace red-box cannot see into");
        }
        var before = ProcessStartTime.Read(peer.Pid, procRoot);
        if (before is null)
        {
            return Replaced(who);
        }
        var cgroupPath = Path.Combine(procRoot, peer.Pid.ToString(CultureInfo.InvariantCulture), "cgroup");
        string cgroups;
        try
        {
            cgroups = File.ReadAllText(cgroupPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return IsStillTheSame(peer, before.Value)
                ? CallerResolution.Refused($"red-box could not read {cgroupPath} of the calling process ({who}): {e.Message}")
                : Replaced(who);
        }
        var membership = CgroupPodUid.Classify(cgroups);
        var pod = membership is { Kind: CgroupMembershipKind.Pod, PodUid: { } podUid }
            ? await pods.FindAsync(podUid, cancellationToken).ConfigureAwait(false)
            : null;
        if (!IsStillTheSame(peer, before.Value))
        {
            return Replaced(who);
        }
        return membership.Kind switch
        {
            CgroupMembershipKind.HostProcess => CallerResolution.Identified(new Caller(peer.Pid, peer.Uid, peer.Gid, null)),
            CgroupMembershipKind.Pod when pod is not null => CallerResolution.Identified(new Caller(peer.Pid, peer.Uid, peer.Gid, pod)),
            CgroupMembershipKind.Pod => CallerResolution.NotYetKnown(NotOnNode(who, membership.PodUid!)),
            _ => CallerResolution.Refused($"red-box cannot tell which pod the calling process ({who}) runs in: {cgroupPath} {membership.Problem}"),
        };
    }

    /// <summary>The same process as at the first read: same start time, and (with a pidfd) the connecting process still exists.</summary>
    private bool IsStillTheSame(PeerCredentials peer, ulong startTime) =>
        ProcessStartTime.Read(peer.Pid, procRoot) == startTime && (peer.PidFd?.IsAlive() ?? true);

    private static CallerResolution Replaced(string who) =>
        CallerResolution.Refused($"the calling process exited or was replaced while red-box identified it ({who})");

    private string NotOnNode(string who, string podUid)
    {
        var reason = pods.HasSynced ? "" : "; red-box has not listed them yet — can it reach the API server?";
        return $"the calling process ({who}) runs in pod {podUid}, which is not among the pods on node {pods.NodeName} that red-box watches{reason}";
    }
}
