using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.RedBoxContract;
using SlurmK8s.Slurm;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.RedBox;

/// <summary>
/// The one place where Slurm failures become gRPC status codes (the message is Slurm's own), and where every refusal
/// (NOT_FOUND, PERMISSION_DENIED) is logged with who asked (as the kernel identified them) and what they asked for.
/// Every UNAVAILABLE carries <see cref="SlurmUnreachableTrailer"/>, naming the Slurm red-box could not reach: so a client
/// tells "red-box answered, Slurm did not" from "red-box did not answer".
/// </summary>
internal sealed partial class SlurmErrorInterceptor(SlurmSite site, ILogger<SlurmErrorInterceptor> logger) : Interceptor
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
            throw Translate(e, request, context);
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
            throw Translate(e, request, context);
        }
    }

    private RpcException Translate(SlurmException e, object request, ServerCallContext context)
    {
        if (e.Kind is SlurmErrorKind.NotFound or SlurmErrorKind.PermissionDenied)
        {
            LogRefusal(logger, context.Method, CallerFeature.Of(context).Describe(), Summary(request), e.Message);
        }
        return ToRpc(e, site.ControllerDescription);
    }

    /// <summary>The request as JSON, without a script's text, cut short: enough to see what was asked for.</summary>
    private static string Summary(object request)
    {
        if (request is Proto.SubmitJobRequest submit)
        {
            request = new Proto.SubmitJobRequest(submit) { Script = $"<{submit.Script.Length} characters>" };
        }
        var text = request is IMessage message ? JsonFormatter.Default.Format(message) : request.GetType().Name;
        return text.Length > 300 ? text[..300] + "…" : text;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} from {Caller}: asked {Request}; answered: {Answer}")]
    private static partial void LogRefusal(ILogger logger, string method, string caller, string request, string answer);

    /// <param name="controller">Where red-box asks Slurm (<see cref="SlurmSite.ControllerDescription"/>), for an UNAVAILABLE's trailer.</param>
    public static RpcException ToRpc(SlurmException e, string controller) => e.Kind == SlurmErrorKind.Unavailable
        ? new(new Status(StatusCode.Unavailable, e.Message), SlurmUnreachableTrailer.For(controller))
        : new(new Status(e.Kind switch
        {
            SlurmErrorKind.InvalidArgument => StatusCode.InvalidArgument,
            SlurmErrorKind.NotFound => StatusCode.NotFound,
            SlurmErrorKind.PermissionDenied => StatusCode.PermissionDenied,
            SlurmErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
            _ => StatusCode.Internal,
        }, e.Message));
}
