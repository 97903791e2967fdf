using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>
/// Everything the reconciler may look at for one SlurmJob, read fresh each pass.
/// <see cref="ResourceRequests"/> holds the #SBATCH-derived requests, or <see cref="DirectiveError"/> why there are none.
/// </summary>
internal sealed record ObservedJob(
    SlurmJob Job,
    V1Pod? Pod,
    IReadOnlyDictionary<string, string> ResourceRequests,
    string? DirectiveError,
    DateTime Now);
