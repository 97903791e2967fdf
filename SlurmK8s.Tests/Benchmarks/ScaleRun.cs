using System.Globalization;
using System.Text;

namespace SlurmK8s.Tests.Benchmarks;

/// <summary>One run of <see cref="OperatorScaleBenchmark"/>: what was measured, and the per-job figures drawn from it.</summary>
internal sealed record ScaleRun(
    int Jobs, string Limit, string Workers, TimeSpan Created, TimeSpan PodsExist, TimeSpan BusyFor,
    ProcessUsage OperatorBefore, ProcessUsage OperatorAfter, ProcessUsage OperatorEnd, TimeSpan ApiServerCpu, TimeSpan EtcdCpu, long EtcdBytes,
    IReadOnlyDictionary<string, double> Requests, double Writes, double AllRequests, double ThrottledSeconds,
    int Sample, IReadOnlyList<(string Step, IReadOnlyDictionary<string, double> Writes)> Lifecycle)
{
    private const double MB = 1024 * 1024;

    public TimeSpan OperatorCpu => OperatorAfter.Cpu - OperatorBefore.Cpu;

    public string Row => string.Create(CultureInfo.InvariantCulture,
        $"{Jobs,6} {Limit,10} {Workers,5} {Created.TotalSeconds,9:0.0} {PodsExist.TotalSeconds,11:0.0} {Jobs / PodsExist.TotalSeconds,7:0} {BusyFor.TotalSeconds,7:0.0} "
        + $"{$"{OperatorBefore.RssBytes / MB:0}/{OperatorAfter.PeakRssBytes / MB:0}/{OperatorAfter.RssBytes / MB:0}",22} {OperatorCpu.TotalSeconds,9:0.0} "
        + $"{OperatorCpu.TotalMilliseconds / Jobs,14:0.00} {(OperatorAfter.RssBytes - OperatorBefore.RssBytes) / 1024.0 / Jobs,11:0.0} "
        + $"{ApiServerCpu.TotalMilliseconds / Jobs,15:0.00} {EtcdCpu.TotalMilliseconds / Jobs,16:0.00} {EtcdBytes / 1024.0 / Jobs,12:0.0} "
        + $"{AllRequests / Jobs,8:0.00} {Writes / Jobs,11:0.00} {ThrottledSeconds,12:0.0}");

    public string LifecycleSummary
    {
        get
        {
            var total = Lifecycle.Sum(s => s.Writes.Values.Sum());
            return string.Create(CultureInfo.InvariantCulture, $"{total:0.00} writes/job after the pod's creation pass; ")
                + string.Join("; ", Lifecycle.Select(s => $"{s.Step}: {Describe(s.Writes)}"));
        }
    }

    public string Details
    {
        get
        {
            var text = new StringBuilder();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"-- {Jobs} SlurmJobs, limit {Limit}, workers {Workers}: operator requests while creating, per job (verb resource code):"));
            foreach (var (key, count) in Requests.OrderByDescending(r => r.Value))
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"   {key,-36} {count / Jobs,8:0.000}  ({count:0})"));
            }
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"   operator RSS at the end of the life-cycle sample: {OperatorEnd.RssBytes / MB:0} MB; CPU {OperatorEnd.Cpu.TotalSeconds:0.0} s in all"));
            text.Append("   life cycle (").Append(Sample).Append(" jobs): ").AppendLine(LifecycleSummary);
            return text.ToString();
        }
    }

    private static string Describe(IReadOnlyDictionary<string, double> writes) => writes.Count == 0
        ? "nothing"
        : string.Join(", ", writes.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Value:0.##} {w.Key}")));
}
