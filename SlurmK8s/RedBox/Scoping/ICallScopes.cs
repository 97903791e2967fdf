using Grpc.Core;
using SlurmK8s.RedBox.Callers;

namespace SlurmK8s.RedBox.Scoping;

/// <summary>The scope of a call, from who the kernel says is calling and the tenancy file; a caller with none is refused.</summary>
internal interface ICallScopes
{
    /// <summary>The caller's scope, or an RpcException (PERMISSION_DENIED, logged with the caller's identity and the method).</summary>
    CallScope Of(ServerCallContext context);

    /// <summary>
    /// A caller identified from the kernel, tenant or not, for what every caller may read (partitions, the workload
    /// manager): a pod on this node (resourced's, the operator's), or a host uid the tenancy file lists.
    /// </summary>
    Caller Identified(ServerCallContext context);

    /// <summary>Logs a refusal inside a scope that is answered without an error (another tenant's job reported as unknown).</summary>
    void Refused(CallScope scope, string method, string what);
}
