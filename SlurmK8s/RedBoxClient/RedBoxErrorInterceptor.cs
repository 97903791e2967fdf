using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Core.Interceptors;
using SlurmK8s.RedBoxContract;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBoxClient;

/// <summary>
/// Every red-box client's one translation of failures: an <see cref="RpcException"/> becomes a <see cref="SlurmException"/>
/// whose kind is red-box's status and whose message is red-box's words (or, where gRPC itself refused, words of our own);
/// a call the caller cancelled ends as <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class RedBoxErrorInterceptor(string socketPath) : Interceptor
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        try
        {
            return continuation(request, context);
        }
        catch (RpcException e)
        {
            throw Translate(e, context.Options.CancellationToken);
        }
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        var token = context.Options.CancellationToken;
        return new AsyncUnaryCall<TResponse>(TranslatedAsync(call.ResponseAsync, token), TranslatedAsync(call.ResponseHeadersAsync, token),
            call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        var token = context.Options.CancellationToken;
        return new AsyncServerStreamingCall<TResponse>(new TranslatingReader<TResponse>(call.ResponseStream, this, token),
            TranslatedAsync(call.ResponseHeadersAsync, token), call.GetStatus, call.GetTrailers, call.Dispose);
    }

    /// <summary>The exception a client sees for <paramref name="e"/>.</summary>
    public Exception Translate(RpcException e, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException(cancellationToken);
        }
        var kind = e.StatusCode switch
        {
            StatusCode.InvalidArgument => SlurmErrorKind.InvalidArgument,
            StatusCode.NotFound => SlurmErrorKind.NotFound,
            StatusCode.PermissionDenied => SlurmErrorKind.PermissionDenied,
            StatusCode.FailedPrecondition => SlurmErrorKind.FailedPrecondition,
            // gRPC's own refusal of a message over its size limit: trying again would fail the same way.
            StatusCode.ResourceExhausted => SlurmErrorKind.InvalidArgument,
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.Cancelled => SlurmErrorKind.Unavailable,
            // A broken connection (red-box restarting) can surface as Internal/Unknown: still "try again".
            _ when e.Status.DebugException is IOException or HttpRequestException or SocketException => SlurmErrorKind.Unavailable,
            _ => SlurmErrorKind.Internal,
        };
        var message = e.StatusCode switch
        {
            StatusCode.ResourceExhausted => $"red-box on {socketPath} refused a message as too large ({e.Status.Detail}): a batch script may be at most "
                + $"{ScriptLimits.MaxScriptBytes} bytes; {ScriptLimits.Fix}",
            StatusCode.Unimplemented => $"red-box on {socketPath} is older than this client: {e.Status.Detail}; upgrade red-box",
            _ when kind == SlurmErrorKind.Unavailable && SlurmUnreachableTrailer.Find(e.Trailers) is not null =>
                $"red-box on {socketPath} could not reach Slurm: {e.Status.Detail}",
            _ when kind == SlurmErrorKind.Unavailable => $"red-box on {socketPath} did not answer ({e.StatusCode}): {e.Status.Detail}"
                + (File.Exists(socketPath) ? "" : " (no socket there: is red-box running on this node, and its socket's directory mounted into the pod?)"),
            _ => e.Status.Detail,
        };
        // red-box's own UNAVAILABLE says so in a trailer; a transport failure (nothing answered) carries none.
        var slurmUnreachable = kind == SlurmErrorKind.Unavailable ? SlurmUnreachableTrailer.Find(e.Trailers)?.Where : null;
        return new SlurmException(kind, message) { SlurmUnreachableAt = slurmUnreachable };
    }

    private async Task<T> TranslatedAsync<T>(Task<T> task, CancellationToken cancellationToken)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw Translate(e, cancellationToken);
        }
    }

    private sealed class TranslatingReader<T>(IAsyncStreamReader<T> inner, RedBoxErrorInterceptor translator, CancellationToken callToken)
        : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                return await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                throw translator.Translate(e, cancellationToken.IsCancellationRequested ? cancellationToken : callToken);
            }
        }
    }
}
