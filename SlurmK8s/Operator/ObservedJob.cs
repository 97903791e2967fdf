using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Operator;

/// <summary>
/// Everything the reconciler may look at for one SlurmJob, in one snapshot of the informer caches: the job, its
/// companion pod (named <c>&lt;name&gt;-job</c>, if there is one) and every node (which slurm.sylabs.io/* resources they advertise).
/// </summary>
internal sealed record ObservedJob(SlurmJob Job, V1Pod? Pod, IReadOnlyCollection<V1Node> Nodes, DateTime Now);
