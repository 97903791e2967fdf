using System.Diagnostics.Metrics;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>
/// The operator's instruments (meter <see cref="MeterName"/>): <c>slurmk8s_operator_reconciles_total{result}</c>,
/// <c>slurmk8s_operator_reconcile_duration_seconds</c> (histogram, by result), <c>slurmk8s_operator_jobs{phase}</c>,
/// <c>slurmk8s_operator_workqueue_depth{state}</c>, <c>slurmk8s_operator_leader</c> (1 while this replica leads),
/// <c>slurmk8s_operator_api_requests_total{verb,resource,code}</c> (every request to the API server, by the API server's
/// verb and resource; code 0: no answer) and <c>slurmk8s_operator_api_throttled_seconds_total</c> (time requests waited
/// for the client-side rate limit: when it climbs, the limit, not the API server, sets the pace).
/// </summary>
internal sealed class OperatorMetrics : IDisposable, IApiRequestRecorder
{
    public const string MeterName = "SlurmK8s.Operator";

    /// <summary>Every phase is reported, so a phase that empties shows 0 rather than vanishing.</summary>
    private static readonly string[] Phases =
    [
        SlurmJobPhase.Pending, SlurmJobPhase.Submitted, SlurmJobPhase.Running,
        SlurmJobPhase.Succeeded, SlurmJobPhase.Failed, SlurmJobPhase.Cancelled,
    ];

    private readonly Counter<long> _reconciles;
    private readonly Histogram<double> _reconcileDuration;
    private readonly Counter<long> _apiRequests;
    private readonly Counter<double> _throttled;
    private volatile Func<IReadOnlyDictionary<string, int>>? _jobsByPhase;
    private volatile Func<bool>? _isLeader;
    private volatile Func<(int Ready, int Waiting)>? _queueDepth;

    public OperatorMetrics()
    {
        Meter = new Meter(MeterName, typeof(OperatorMetrics).Assembly.GetName().Version?.ToString());
        _reconciles = Meter.CreateCounter<long>("slurmk8s.operator.reconciles", "{reconcile}",
            "SlurmJob reconcile passes, by result (success, requeue, error)");
        _reconcileDuration = Meter.CreateHistogram("slurmk8s.operator.reconcile.duration", "s",
            "Time one SlurmJob reconcile pass took, by result", advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
            });
        _apiRequests = Meter.CreateCounter<long>("slurmk8s.operator.api.requests", "{request}",
            "Requests to the Kubernetes API server, by verb, resource (with subresource) and HTTP status code (0: no answer)");
        _throttled = Meter.CreateCounter<double>("slurmk8s.operator.api.throttled", "s",
            "Time requests waited for the client-side rate limit (--kube-api-qps, --kube-api-burst) before they were sent");
        Meter.CreateObservableGauge("slurmk8s.operator.jobs", ObserveJobs, "{job}", "SlurmJobs the operator sees, by phase");
        Meter.CreateObservableGauge("slurmk8s.operator.workqueue.depth", ObserveQueue, "{key}",
            "SlurmJob keys in the work queue: ready for a worker, or waiting for their time (a requeue, a failure's backoff)");
        Meter.CreateObservableGauge("slurmk8s.operator.leader", ObserveLeader, "", "1 while this replica holds the leader lease, else 0");
    }

    public Meter Meter { get; }

    /// <summary>Counts one reconcile pass and its duration.</summary>
    public void RecordReconcile(ReconcileResult result, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("result", Label(result));
        _reconciles.Add(1, tag);
        _reconcileDuration.Record(duration.TotalSeconds, tag);
    }

    public void RecordApiRequest(ApiRequestKind kind, int statusCode) => _apiRequests.Add(1,
        new KeyValuePair<string, object?>("verb", kind.Verb),
        new KeyValuePair<string, object?>("resource", kind.Resource),
        new KeyValuePair<string, object?>("code", StatusCodeLabel(statusCode)));

    public void RecordThrottled(TimeSpan waited) => _throttled.Add(waited.TotalSeconds);

    /// <summary>Where the jobs-by-phase gauge reads its numbers at each scrape (e.g. the controller's cache); phase → count.</summary>
    public void ObserveJobsWith(Func<IReadOnlyDictionary<string, int>> jobsByPhase) => _jobsByPhase = jobsByPhase;

    /// <summary>Where the work queue gauge reads the queue's depth (ready, waiting); null while no queue runs (a standby replica).</summary>
    public void ObserveWorkQueueWith(Func<(int Ready, int Waiting)>? depth) => _queueDepth = depth;

    /// <summary>Where the leader gauge reads whether this replica leads.</summary>
    public void ObserveLeadershipWith(Func<bool> isLeader) => _isLeader = isLeader;

    public void Dispose() => Meter.Dispose();

    private IEnumerable<Measurement<int>> ObserveJobs()
    {
        if (_jobsByPhase is not { } source)
        {
            return [];
        }
        var counts = source();
        // A phase we do not know (written by a newer version) is reported too rather than hidden.
        return Phases.Union(counts.Keys, StringComparer.Ordinal)
            .Select(phase => new Measurement<int>(counts.GetValueOrDefault(phase), new KeyValuePair<string, object?>("phase", phase)));
    }

    private IEnumerable<Measurement<int>> ObserveQueue()
    {
        if (_queueDepth is not { } source)
        {
            return [];
        }
        var (ready, waiting) = source();
        return [new Measurement<int>(ready, new KeyValuePair<string, object?>("state", "ready")), new Measurement<int>(waiting, new KeyValuePair<string, object?>("state", "waiting"))];
    }

    private IEnumerable<Measurement<int>> ObserveLeader() =>
        _isLeader is { } isLeader ? [new Measurement<int>(isLeader() ? 1 : 0)] : [];

    // The few codes an API server gives, as strings once: a label value is made per request.
    private static readonly string[] CodeLabels = [.. Enumerable.Range(0, 600).Select(code => code.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static string StatusCodeLabel(int code) => code >= 0 && code < CodeLabels.Length ? CodeLabels[code] : code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Label(ReconcileResult result) => result switch
    {
        ReconcileResult.Success => "success",
        ReconcileResult.Requeue => "requeue",
        _ => "error",
    };
}
