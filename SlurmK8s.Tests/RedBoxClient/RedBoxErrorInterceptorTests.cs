using Grpc.Core;
using SlurmK8s.RedBoxClient;
using SlurmK8s.RedBoxContract;
using SlurmK8s.Slurm;

namespace SlurmK8s.Tests.RedBoxClient;

public sealed class RedBoxErrorInterceptorTests
{
    private static readonly RedBoxErrorInterceptor Interceptor = new("/nowhere/red-box.sock");

    [TestCase(StatusCode.InvalidArgument, nameof(SlurmErrorKind.InvalidArgument))]
    [TestCase(StatusCode.NotFound, nameof(SlurmErrorKind.NotFound))]
    [TestCase(StatusCode.PermissionDenied, nameof(SlurmErrorKind.PermissionDenied))]
    [TestCase(StatusCode.FailedPrecondition, nameof(SlurmErrorKind.FailedPrecondition))]
    [TestCase(StatusCode.Unavailable, nameof(SlurmErrorKind.Unavailable))]
    [TestCase(StatusCode.DeadlineExceeded, nameof(SlurmErrorKind.Unavailable))]
    [TestCase(StatusCode.ResourceExhausted, nameof(SlurmErrorKind.InvalidArgument))]
    [TestCase(StatusCode.Internal, nameof(SlurmErrorKind.Internal))]
    public void Translate_MapsTheStatusToAKind(StatusCode code, string kind)
    {
        var translated = Interceptor.Translate(new RpcException(new Status(code, "said")), CancellationToken.None);

        Assert.That(translated, Is.TypeOf<SlurmException>());
        Assert.That(((SlurmException)translated).Kind.ToString(), Is.EqualTo(kind));
    }

    [Test]
    public void Translate_ResourceExhausted_SaysTheLimitAndTheFix()
    {
        var translated = Interceptor.Translate(new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size.")),
            CancellationToken.None);

        Assert.That(translated.Message, Does.Contain(ScriptLimits.MaxScriptBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .And.Contain("files the script reads").And.Contain("/nowhere/red-box.sock"));
    }

    [Test]
    public void Translate_Unavailable_WithNoSocket_SaysSo()
    {
        var translated = Interceptor.Translate(new RpcException(new Status(StatusCode.Unavailable, "connection refused")), CancellationToken.None);

        Assert.That(translated.Message, Does.Contain("did not answer").And.Contain("no socket there"));
    }

    [Test]
    public void Translate_WhenTheCallerCancelled_IsCancellation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.That(Interceptor.Translate(new RpcException(new Status(StatusCode.Cancelled, "")), cancelled.Token), Is.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task Connection_ToNoSocket_FailsInWords()
    {
        using var connection = RedBoxConnection.Connect("/nowhere/red-box.sock");

        var e = await Assert.ThrowsAsync<SlurmException>(async () => await connection.RedBox.CancelAsync("key", CancellationToken.None));
        Assert.That(e!.Kind, Is.EqualTo(SlurmErrorKind.Unavailable));
        Assert.That(e.Message, Does.Contain("/nowhere/red-box.sock"));
        var answer = await RedBoxAnswer<Protos.RedBox.V1.WhoAmIResponse>.AskAsync("/nowhere/red-box.sock", TimeSpan.FromSeconds(5),
            (client, deadline, ct) => client.WhoAmIAsync(new Protos.RedBox.V1.WhoAmIRequest(), deadline: deadline, cancellationToken: ct).ResponseAsync,
            CancellationToken.None);
        Assert.That(answer.Presence, Is.EqualTo(RedBoxPresence.NoSocket));
    }
}
