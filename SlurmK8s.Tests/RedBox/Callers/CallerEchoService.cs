using Grpc.Core;
using SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.RedBox.Callers;

namespace SlurmK8s.Tests.RedBox.Callers;

/// <summary>A red-box service that answers WorkloadManagerInfo with who it thinks is calling, as a gRPC service reads it.</summary>
internal sealed class CallerEchoService : SlurmK8s.Protos.RedBox.V1.RedBox.RedBoxBase
{
    public override Task<WorkloadManagerInfoResponse> WorkloadManagerInfo(WorkloadManagerInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new WorkloadManagerInfoResponse { Name = CallerFeature.Of(context).Describe() });
}
