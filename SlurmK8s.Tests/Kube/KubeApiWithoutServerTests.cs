using k8s;
using SlurmK8s.Kube;

namespace SlurmK8s.Tests.Kube;

/// <summary>KubeApi when no API server answers: a KubeApiException callers retry, like a 503, never a raw socket error.</summary>
internal sealed class KubeApiWithoutServerTests
{
    [Test]
    public async Task Get_WhenNothingListens_ThrowsATransientKubeApiExceptionSayingSo()
    {
        using var client = new KubeClient(new KubernetesClientConfiguration { Host = $"https://127.0.0.1:{Ports.Unused()}", SkipTlsVerify = true, AccessToken = "t" });
        var kube = new KubeApi(client);

        var error = await Assert.ThrowsAsync<KubeApiException>(() => kube.GetSlurmJobAsync("ns", "cow", CancellationToken.None));

        Assert.That((error!.StatusCode, error.IsTransient), Is.EqualTo((0, true)));
        Assert.That(error.Message, Does.StartWith("get SlurmJob ns/cow: the API server did not answer"));
    }

    [Test]
    public void Get_WhenCancelled_ThrowsTheCancellationNotAKubeApiException()
    {
        using var client = new KubeClient(new KubernetesClientConfiguration { Host = $"https://127.0.0.1:{Ports.Unused()}", SkipTlsVerify = true, AccessToken = "t" });
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.That(() => new KubeApi(client).GetSlurmJobAsync("ns", "cow", cancelled.Token), Throws.InstanceOf<OperationCanceledException>());
    }
}
