using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.RedBoxContract;

/// <summary>The proto's JobState and Slurm's are the same list in the same order: they map one to one, both ways.</summary>
internal static class ProtoJobStates
{
    public static JobState ToSlurm(this Proto.JobState state) => (JobState)(int)state;
}
