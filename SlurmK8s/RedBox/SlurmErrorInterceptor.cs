using Grpc.Core;
using Grpc.Core.Interceptors;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBox;

/// <summary>The one place where Slurm failures become gRPC status codes; the message is Slurm's own.</summary>
internal sealed class SlurmErrorInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (SlurmException e)
        {
            throw ToRpc(e);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (SlurmException e)
        {
            throw ToRpc(e);
        }
    }

    public static RpcException ToRpc(SlurmException e) => new(new Status(e.Kind switch
    {
        SlurmErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        SlurmErrorKind.NotFound => StatusCode.NotFound,
        SlurmErrorKind.PermissionDenied => StatusCode.PermissionDenied,
        SlurmErrorKind.Unavailable => StatusCode.Unavailable,
        SlurmErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        _ => StatusCode.Internal,
    }, e.Message));
}
