using Grpc.Core;

namespace SlurmK8s.RedBox.Scoping;

/// <summary>The scope of a call, from who the kernel says is calling and the tenancy file; a caller with none is refused.</summary>
internal interface ICallScopes
{
    /// <summary>The caller's scope, or an RpcException (PERMISSION_DENIED, logged with the caller's identity and the method).</summary>
    CallScope Of(ServerCallContext context);

    /// <summary>Logs a refusal inside a scope that is answered without an error (another tenant's job reported as unknown).</summary>
    void Refused(CallScope scope, string method, string what);
}
