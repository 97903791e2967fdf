using System.Net;
using System.Net.Sockets;
using SlurmK8s.ControllerRuntime.Observability;
using SlurmK8s.Operator;

namespace SlurmK8s.Tests.ControllerRuntime.Observability;

/// <summary>The endpoints over real HTTP on a Kestrel listening on a free loopback port.</summary>
internal sealed class ObservabilityServerTests
{
    private OperatorMetrics _metrics = null!;
    private PrometheusCollector _collector = null!;
    private HealthState _health = null!;
    private ObservabilityServer _server = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task SetUp()
    {
        _metrics = new OperatorMetrics();
        _collector = new PrometheusCollector(m => ReferenceEquals(m, _metrics.Meter));
        _health = new HealthState();
        _server = await ObservabilityServer.StartAsync(IPAddress.Loopback, FreePort(), _collector, _health);
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_server.Port}") };
    }

    [TearDown]
    public async Task TearDown()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _collector.Dispose();
        _metrics.Dispose();
    }

    [Test]
    public async Task Healthz_IsOkWhileTheProcessServes()
    {
        using var response = await _http.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("ok\n"));
    }

    [Test]
    public async Task Healthz_Is500WithTheProblemWhileALivenessCheckNamesOne()
    {
        string? problem = "list/watch of SlurmJobs failing for 00:02:01: connection refused";
        using var check = _health.AddLivenessCheck(() => problem);

        var stuck = await GetAsync("/healthz");
        problem = null;
        var recovered = await GetAsync("/healthz");

        Assert.That(stuck, Is.EqualTo((HttpStatusCode.InternalServerError, "unhealthy: list/watch of SlurmJobs failing for 00:02:01: connection refused\n")));
        Assert.That(recovered, Is.EqualTo((HttpStatusCode.OK, "ok\n")));
    }

    [Test]
    public async Task Readyz_Is503WithTheReasonUntilTheCallerSaysReady()
    {
        var atStart = await GetAsync("/readyz");
        _health.SetNotReady("caches not synced");
        var syncing = await GetAsync("/readyz");
        _health.SetReady();
        var ready = await GetAsync("/readyz");

        Assert.That(atStart, Is.EqualTo((HttpStatusCode.ServiceUnavailable, "not ready: starting\n")));
        Assert.That(syncing, Is.EqualTo((HttpStatusCode.ServiceUnavailable, "not ready: caches not synced\n")));
        Assert.That(ready, Is.EqualTo((HttpStatusCode.OK, "ok\n")));
    }

    [Test]
    public async Task Metrics_ServesThePrometheusTextWithItsContentType()
    {
        _metrics.RecordReconcile(ReconcileResult.Success, TimeSpan.FromMilliseconds(5));

        using var response = await _http.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.ToString(), Is.EqualTo("text/plain; version=0.0.4; charset=utf-8"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("slurmk8s_operator_reconciles_total{result=\"success\"} 1\n"));
    }

    [Test]
    public async Task UnknownPath_Is404()
    {
        using var response = await _http.GetAsync(new Uri("/nothing", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task StartAsync_PortZero_BindsAFreePortAndSaysWhich()
    {
        await using var second = await ObservabilityServer.StartAsync(IPAddress.Loopback, 0, _collector, _health);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{second.Port}/healthz"));

        Assert.That(second.Port, Is.Not.Zero.And.Not.EqualTo(_server.Port));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task StartAsync_PortTaken_Throws()
    {
        await Assert.CatchAsync<IOException>(() => ObservabilityServer.StartAsync(IPAddress.Loopback, _server.Port, _collector, _health));
    }

    private async Task<(HttpStatusCode, string)> GetAsync(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
