using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.Kube;

/// <summary>
/// KubeClient's TLS against the real API server's own certificate (the tests' kubeconfig skips verification; a pod's
/// in-cluster configuration and most kubeconfigs name the cluster's CA instead): trusted when it is the CA given,
/// refused when another is, and the token sent.
/// </summary>
[Category("Integration")]
internal sealed class KubeClientTests
{
    [OneTimeSetUp]
    public Task StartAsync() => RealApiServer.EnsureUpAsync();

    [Test]
    public async Task Request_WithTheServersCa_IsAnsweredWithItsToken()
    {
        using var kube = new KubeClient(Config(ServerCertificates(), withToken: true));

        // A 404 for a pod that is not there is an answer: TLS and the token were accepted.
        Assert.That(await new KubeApi(kube).GetPodAsync("default", "absent", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Request_WithAnotherCa_IsRefusedAsUnanswered()
    {
        using var key = RSA.Create(2048);
        using var other = new CertificateRequest("CN=another-ca", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var kube = new KubeClient(Config([other], withToken: true));

        var error = await Assert.ThrowsAsync<KubeApiException>(() => new KubeApi(kube).GetPodAsync("default", "absent", CancellationToken.None));

        Assert.That(error!.StatusCode, Is.EqualTo(0));
        Assert.That(error.Message, Does.Contain("the API server did not answer"));
    }

    [Test]
    public async Task Request_WithNeitherACaNorSkipVerify_IsCheckedByTheSystemsStoreAndRefused()
    {
        // No CA in the kubeconfig and verification not skipped: the system's trust store decides, and no CA there
        // signed kube-apiserver's self-made certificate.
        using var kube = new KubeClient(Config(null, withToken: true));

        var error = await Assert.ThrowsAsync<KubeApiException>(() => new KubeApi(kube).GetPodAsync("default", "absent", CancellationToken.None));

        Assert.That(error!.StatusCode, Is.EqualTo(0));
        Assert.That(error.Message, Does.Contain("the API server did not answer"));
    }

    [Test]
    public async Task Request_WithoutTheToken_IsRefusedByTheServer()
    {
        using var kube = new KubeClient(Config(ServerCertificates(), withToken: false));

        var error = await Assert.ThrowsAsync<KubeApiException>(() => new KubeApi(kube).GetPodAsync("default", "absent", CancellationToken.None));

        Assert.That(error!.StatusCode, Is.AnyOf(401, 403), error.Message);
    }

    private static KubernetesClientConfiguration Config(X509Certificate2Collection? ca, bool withToken)
    {
        var admin = KubernetesClientConfiguration.BuildConfigFromConfigFile(RealApiServer.KubeconfigPath);
        return new KubernetesClientConfiguration { Host = admin.Host, SkipTlsVerify = false, SslCaCerts = ca, AccessToken = withToken ? admin.AccessToken : null };
    }

    /// <summary>The self-signed certificate (and its CA) kube-apiserver made for itself in its --cert-dir.</summary>
    private static X509Certificate2Collection ServerCertificates()
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(Path.Combine(RealApiServer.StateDirectory, "certs", "apiserver.crt"));
        return certificates;
    }
}
