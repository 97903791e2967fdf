using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Authentication;
using k8s.Exceptions;

namespace SlurmK8s.Kube;

/// <summary>
/// The HTTP side of a <see cref="KubernetesClientConfiguration"/> (a kubeconfig or the pod's service account): the
/// base address, TLS (the cluster's CA, a client certificate, or no verification), the credentials (token, token file,
/// exec plugin, basic) and the pipeline's handlers, set up as KubernetesClient's <c>Kubernetes</c> class sets them up.
/// Not that class: its constructor reads KubernetesJson's options, which roots KubernetesJson's JSON context of every
/// Kubernetes type, and so its runtime data in every process (docs/benchmarks.md#memory).
/// </summary>
internal sealed class KubeClient : IDisposable
{
    private readonly SocketsHttpHandler _sockets;
    private readonly X509Certificate2? _clientCertificate;

    /// <param name="config">From <see cref="Cli.KubeConfig.Load"/> (or built by hand in tests).</param>
    /// <param name="handlers">Delegating handlers run before the socket handler, the first one first.</param>
    /// <exception cref="KubeConfigException">No usable host in <paramref name="config"/>.</exception>
    public KubeClient(KubernetesClientConfiguration config, params DelegatingHandler[] handlers)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(handlers);
        if (string.IsNullOrWhiteSpace(config.Host) || !Uri.TryCreate(config.Host, UriKind.Absolute, out var host))
        {
            throw new KubeConfigException($"the Kubernetes configuration's host '{config.Host}' is not a URL");
        }
        BaseUri = host.AbsoluteUri.EndsWith('/') ? host : new Uri(host.AbsoluteUri + "/");
        HttpClientTimeout = config.HttpClientTimeout;
        TlsServerName = string.IsNullOrWhiteSpace(config.TlsServerName) ? null : config.TlsServerName;
        DisableHttp2 = config.DisableHttp2;
        Credentials = Kubernetes.CreateCredentials(config);

        _sockets = new SocketsHttpHandler
        {
            // As KubernetesClient does: long-lived watches on one HTTP/2 connection, kept alive by pings while in use.
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromMinutes(3),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            EnableMultipleHttp2Connections = true,
        };
        _sockets.SslOptions.ClientCertificates = [];
        config.FirstMessageHandlerSetup?.Invoke(_sockets);
        if (BaseUri.Scheme == Uri.UriSchemeHttps)
        {
            if (config.SkipTlsVerify)
            {
                // The kubeconfig's insecure-skip-tls-verify: honoured as KubernetesClient honours it (the test API servers' self-signed certificates).
#pragma warning disable CA5359
                _sockets.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
            }
            else if (config.SslCaCerts is { } caCertificates)
            {
                _sockets.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                    certificate is not null && chain is not null && Kubernetes.CertificateValidationCallBack(sender, caCertificates, certificate, chain, errors);
            }
        }
        _clientCertificate = ClientCertificate(config);
        if (_clientCertificate is { } clientCertificate)
        {
            _sockets.SslOptions.ClientCertificates.Add(clientCertificate);
            _sockets.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        HttpMessageHandler first = _sockets;
        for (var i = handlers.Length - 1; i >= 0; i--)
        {
            var innermost = handlers[i];
            while (innermost.InnerHandler is DelegatingHandler inner)
            {
                innermost = inner;
            }
            innermost.InnerHandler = first;
            first = handlers[i];
        }
        // Each request has its own timeout (HttpClientTimeout, not for watches): none on the client.
        HttpClient = new HttpClient(first, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrWhiteSpace(config.UserAgent))
        {
            HttpClient.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", config.UserAgent);
        }
    }

    /// <summary>The API root, ending in '/'.</summary>
    public Uri BaseUri { get; }

    public HttpClient HttpClient { get; }

    /// <summary>What signs each request (a bearer token, refreshed from its file or plugin as it expires); null for none.</summary>
    public ServiceClientCredentials? Credentials { get; }

    /// <summary>How long a request (not a watch) may take before it counts as unanswered.</summary>
    public TimeSpan HttpClientTimeout { get; }

    /// <summary>The Host header to send when the kubeconfig names a tls-server-name; null otherwise.</summary>
    public string? TlsServerName { get; }

    public bool DisableHttp2 { get; }

    public void Dispose()
    {
        HttpClient.Dispose();
        _sockets.Dispose();
        _clientCertificate?.Dispose();
    }

    /// <summary>The client certificate and key of the configuration (inline base64 PEM, or files), or null when it has none.</summary>
    private static X509Certificate2? ClientCertificate(KubernetesClientConfiguration config)
    {
        var certificate = Pem(config.ClientCertificateData, config.ClientCertificateFilePath);
        var key = Pem(config.ClientCertificateKeyData, config.ClientKeyFilePath);
        return certificate is null || key is null ? null : X509Certificate2.CreateFromPem(certificate, key);
    }

    private static string? Pem(string? base64, string? path) =>
        !string.IsNullOrWhiteSpace(path) ? File.ReadAllText(path)
        : !string.IsNullOrWhiteSpace(base64) ? Encoding.UTF8.GetString(Convert.FromBase64String(base64))
        : null;
}
