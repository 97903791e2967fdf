using SlurmK8s.RedBoxContract;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.RedBox;

/// <summary>Domain → proto. The enums share names and order (a test holds them to it).</summary>
internal static class ProtoMapping
{
    public static Proto.JobState ToProto(this JobState state) => (Proto.JobState)(int)state;

    public static Proto.Job ToProto(this JobSnapshot snapshot)
    {
        var job = snapshot.Job;
        var info = new Proto.Job
        {
            JobId = job.JobId,
            Name = job.Name,
            User = job.User,
            State = job.State.ToProto(),
            SlurmState = job.SlurmState,
            Reason = job.Reason,
            Finished = snapshot.IsFinished,
            ExitCode = job.ExitCode,
            Signal = job.Signal,
            SubmitTime = Time(job.SubmitTime),
            StartTime = Time(job.StartTime),
            EndTime = Time(job.EndTime),
            Partition = job.Partition,
            NodeList = job.NodeList,
            WorkDir = job.WorkDir,
            StdOut = job.StdOut,
            Comment = job.Comment,
            TimeLimit = job.TimeLimit is { } limit ? Duration.FromTimeSpan(limit) : null,
        };
        info.ArrayTasks.AddRange(snapshot.Tasks.Select(t => new Proto.ArrayTask
        {
            TaskId = t.ArrayTaskId ?? 0,
            JobId = t.JobId,
            State = t.State.ToProto(),
            SlurmState = t.SlurmState,
            ExitCode = t.ExitCode,
            Signal = t.Signal,
            Reason = t.Reason,
            StdOut = t.StdOut,
        }));
        return info;
    }

    public static Proto.JobStep ToProto(this StepRecord step) => new()
    {
        StepId = step.StepId,
        Name = step.Name,
        State = step.State.ToProto(),
        SlurmState = step.SlurmState,
        ExitCode = step.ExitCode,
        Signal = step.Signal,
        StartTime = Time(step.StartTime),
        EndTime = Time(step.EndTime),
        NodeList = step.NodeList,
    };

    public static Proto.Partition ToProto(this PartitionRecord partition)
    {
        var result = new Proto.Partition
        {
            Name = partition.Name,
            IsDefault = partition.IsDefault,
            State = partition.State,
            MaxTime = partition.MaxTime is { } max ? Duration.FromTimeSpan(max) : null,
            TotalNodes = partition.TotalNodes,
            TotalCpus = partition.TotalCpus,
        };
        foreach (var node in partition.Nodes)
        {
            var protoNode = new Proto.Node { Name = node.Name, State = node.State, Cpus = node.Cpus, MemoryMb = node.MemoryMb };
            protoNode.Features.AddRange(node.Features);
            protoNode.Gres.AddRange(node.Gres);
            result.Nodes.Add(protoNode);
        }
        return result;
    }

    public static Proto.Chunk ToProto(this FileChunk chunk) => new() { Content = ByteString.CopyFrom(chunk.Content.Span), Offset = chunk.Offset };

    private static Timestamp? Time(DateTimeOffset? time) => time is { } t ? Timestamp.FromDateTimeOffset(t) : null;
}
