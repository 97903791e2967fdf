using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>
/// Everything the reconciler may look at for one SlurmJob, one snapshot of the informers' caches: the SlurmJob (with the
/// Slurm facts its companion reported), its companion pod if any, the nodes (their labels and slurm.sylabs.io/* capacity
/// decide what the companion pod requests and why it may not be placed), its <see cref="CompanionDemand"/> (the parsed
/// script and the companion's requests on those nodes: the value its place in line was decided with), and its place in
/// line for a slot (<see cref="SlotQueue"/>): the re-attaching jobs that come before it (if it is a newcomer), or
/// whether the budget is full; the newcomers' unplaced pods in its way (if it re-attaches), as "namespace/name" keys
/// with the version read; and whether the operator saw its companion on a node (<see cref="ReattachClaims"/>): only
/// then is its claim that Slurm has its job believed enough to give its new companion the re-attach priority.
/// </summary>
internal sealed record ObservedJob(SlurmJob Job, V1Pod? Pod, IReadOnlyCollection<V1Node> Nodes, CompanionDemand Demand, DateTime Now)
{
    public IReadOnlyList<string> ReattachingAhead { get; init; } = [];

    public IReadOnlyList<PodVersion> NewcomerPodsInTheWay { get; init; } = [];

    public bool HadASlot { get; init; }

    /// <summary>A newcomer: every node it may land on has its budget taken (<see cref="CompanionAdmission"/>).</summary>
    public bool BudgetFull { get; init; }

    /// <summary>A newcomer given room for its pod by this pass (<see cref="SlotQueue"/>): room it gives back if it makes none.</summary>
    public bool GivenRoom { get; init; }
}

/// <summary>A SlurmJob's companion pod as it was read: deleting it is conditional on this version.</summary>
internal sealed record PodVersion(string Namespace, string Name, string? ResourceVersion, string SlurmJob);
