using System.Globalization;

namespace SlurmK8s.RedBox.Callers;

/// <summary>An identified caller: the kernel's word for its pid, uid and gid, and the pod it runs in (null: a host process).</summary>
internal sealed record Caller(int Pid, uint Uid, uint Gid, PodIdentity? Pod)
{
    /// <summary>For logs: "pod team-b/x-job (uid …, sa default, SlurmJob x) pid 1234 uid 1000", or "host process pid 1234 uid 0".</summary>
    public string Describe()
    {
        var process = string.Create(CultureInfo.InvariantCulture, $"pid {Pid} uid {Uid}");
        if (Pod is not { } pod)
        {
            return "host process " + process;
        }
        var slurmJob = pod.SlurmJobName is null ? "" : $", SlurmJob {pod.SlurmJobName}";
        return $"pod {pod.Namespace}/{pod.Name} (uid {pod.Uid}, sa {pod.ServiceAccount}{slurmJob}) {process}";
    }

    /// <summary>As <see cref="Describe"/>, so a log line formats the caller only when it is written.</summary>
    public override string ToString() => Describe();
}
