using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>
/// Everything the reconciler may look at for one SlurmJob, one snapshot of the informers' caches: the SlurmJob (with the
/// Slurm facts its companion reported), its companion pod if any, and the nodes (their labels and slurm.sylabs.io/*
/// capacity decide what the companion pod requests and why it may not be placed).
/// </summary>
internal sealed record ObservedJob(SlurmJob Job, V1Pod? Pod, IReadOnlyCollection<V1Node> Nodes, DateTime Now);
