using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;

namespace SlurmK8s.Tests.Builders;

/// <summary>SlurmJobs and companion pods in the states tests need, without a wall of object initializers.</summary>
internal static class SlurmJobBuilder
{
    public static readonly DateTime Now = new(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);

    public static SlurmJob Job(string name = "cow", string batch = "#!/bin/sh\necho hi\n") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = "uid-" + name, Generation = 1 },
        Spec = new SlurmJobSpec { Batch = batch },
    };

    public static SlurmJob WithFinalizer(this SlurmJob job)
    {
        job.Metadata.Finalizers = [SlurmK8s.Operator.SlurmJobReconciler.Finalizer];
        return job;
    }

    public static SlurmJob Deleted(this SlurmJob job, DateTime at)
    {
        job.Metadata.DeletionTimestamp = at;
        return job;
    }

    /// <summary>status.slurm as the companion writes it; the state as Slurm spells it ("CANCELLED by 1000" reads as CANCELLED).</summary>
    public static SlurmJob WithSlurm(this SlurmJob job, long id, string? state, int? exitCode = null, string? reason = null)
    {
        job.Status ??= new SlurmJobStatus();
        job.Status.Slurm = new SlurmJobFacts { JobId = id, State = state is null ? null : JobStates.Parse(state), ExitCode = exitCode, Reason = reason };
        return job;
    }

    /// <summary>status.companion as the companion writes it.</summary>
    public static SlurmJob WithReport(this SlurmJob job, CompanionReport report)
    {
        job.Status ??= new SlurmJobStatus();
        job.Status.Companion = report;
        return job;
    }

    public static SlurmJob WithOperatorStatus(this SlurmJob job, SlurmJobStatus operatorStatus)
    {
        job.Status ??= new SlurmJobStatus();
        job.Status.Phase = operatorStatus.Phase;
        job.Status.Conditions = operatorStatus.Conditions;
        job.Status.PodName = operatorStatus.PodName;
        job.Status.NodeName = operatorStatus.NodeName;
        job.Status.ObservedGeneration = operatorStatus.ObservedGeneration;
        return job;
    }

    public static SlurmJob WithResults(this SlurmJob job, V1Volume mount)
    {
        job.Spec.Results = new SlurmJobResults { Mount = mount };
        return job;
    }

    /// <summary>The companion pod's metadata: named after job "cow" and controlled by it (the uid <see cref="Job"/> gives it).</summary>
    public static V1ObjectMeta CompanionMetadata(string ownerUid = "uid-cow") => new()
    {
        Name = "cow-job",
        NamespaceProperty = "default",
        OwnerReferences = [new V1OwnerReference { ApiVersion = SlurmJob.ApiVersionName, Kind = SlurmJob.KindName, Name = "cow", Uid = ownerUid, Controller = true, BlockOwnerDeletion = true }],
    };

    /// <summary>The pod as another owner left it: <paramref name="pod"/> with its controller reference pointing elsewhere (or nowhere).</summary>
    public static V1Pod OwnedBy(this V1Pod pod, V1OwnerReference? controller)
    {
        pod.Metadata.OwnerReferences = controller is null ? null : [controller];
        return pod;
    }

    public static V1Pod Pod(string phase = "Running", string? nodeName = "node01") => new()
    {
        Metadata = CompanionMetadata(),
        Spec = new V1PodSpec { NodeName = nodeName },
        Status = new V1PodStatus
        {
            Phase = phase,
            Conditions = nodeName is null ? null : [new V1PodCondition { Type = "PodScheduled", Status = "True" }],
        },
    };

    public static V1Pod Unschedulable(string message) => new()
    {
        Metadata = CompanionMetadata(),
        Spec = new V1PodSpec(),
        Status = new V1PodStatus
        {
            Phase = "Pending",
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = message }],
        },
    };

    public static V1Pod FailedPod(int exitCode, string message) => EndedPod("Failed", exitCode, message);

    /// <summary>A companion pod whose container ended on its own (Succeeded: exit 0) or not (Failed).</summary>
    public static V1Pod EndedPod(string phase, int exitCode, string message) => new()
    {
        Metadata = CompanionMetadata(),
        Spec = new V1PodSpec { NodeName = "node01" },
        Status = new V1PodStatus
        {
            Phase = phase,
            ContainerStatuses = [new V1ContainerStatus { Name = "companion", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Message = message } } }],
        },
    };
}
