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
    public int Workers { get; init; } = 4;

    /// <summary>
    /// The operator's client-side limit on its API requests (--kube-api-qps, --kube-api-burst). client-go's 5/10 would
    /// hold a thousand new SlurmJobs for minutes; these were measured (docs/benchmarks.md, "The operator at volume").
    /// </summary>
    public static readonly KubeApiLimits DefaultKubeApiLimits = new(50, 100);

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
