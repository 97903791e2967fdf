using SlurmK8s.ControllerRuntime;
using SlurmK8s.ControllerRuntime.LeaderElection;
using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>Everything `slurmk8s operator` was told on its command line.</summary>
internal sealed record OperatorOptions
{
    public required CompanionPodOptions Companion { get; init; }
    public string? Kubeconfig { get; init; }

    /// <summary>Watch SlurmJobs in this namespace only; null: every namespace.</summary>
    public string? Namespace { get; init; }
    /// <summary>
    /// SlurmJobs reconciled at once. A pass waits on a few sequential requests, so the pace of a burst is workers ÷ latency:
    /// 4 made 36 companion pods a second here, 16 made 74 (docs/benchmarks.md, "The operator at volume").
    /// </summary>
    public const int DefaultWorkers = 16;

    public int Workers { get; init; } = DefaultWorkers;

    /// <summary>
    /// The operator's client-side limit on its API requests (--kube-api-qps, --kube-api-burst). A new SlurmJob costs 6
    /// requests before the pass that sees its pod settles (docs/benchmarks.md, "The operator at volume"): client-go's 5/10
    /// would take 100 minutes over 5,000 of them, kube-controller-manager's 20/30 25 minutes, 200/400 128 s; 500/1000 lets
    /// 5,000 through in about a minute, about what a 2-CPU API server took here, and still stops a runaway loop.
    /// </summary>
    public static readonly KubeApiLimits DefaultKubeApiLimits = new(500, 1000);

    public KubeApiLimits KubeApiLimits { get; init; } = DefaultKubeApiLimits;

    /// <summary>How often every SlurmJob is looked at even without a change (a safety net under the watches).</summary>
    public TimeSpan Resync { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a watch may fail, or the work queue stand still, before /healthz fails.</summary>
    public Liveness Liveness { get; init; } = new();

    /// <summary>null: no leader election (a single replica that acts at once).</summary>
    public LeaderElectionOptions? LeaderElection { get; init; }

    /// <summary>/healthz, /readyz and /metrics; 0 picks a free port, null serves none.</summary>
    public int? HealthPort { get; init; } = 8080;

    public bool JsonLogs { get; init; } = true;
}
