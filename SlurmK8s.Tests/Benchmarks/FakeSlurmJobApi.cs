using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SlurmK8s.Tests.Benchmarks;

/// <summary>
/// The three calls a companion makes to the Kubernetes API, answered for one SlurmJob over plain HTTP: GET (and the
/// list its watch starts with), a watch that stays open and says nothing, and PATCH of the status (answered with the
/// object). Enough for a companion to run its whole flow without an API server, so that what is measured is the companion.
/// </summary>
internal sealed class FakeSlurmJobApi : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly string _job;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public FakeSlurmJobApi(string directory, string namespaceName, string name, string uid, string batch)
    {
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        var spec = $"{{\"batch\":\"{System.Text.Json.JsonEncodedText.Encode(batch)}\"}}";
        _job = $$"""{"apiVersion":"slurm.sylabs.io/v1alpha1","kind":"SlurmJob","metadata":{"name":"{{name}}","namespace":"{{namespaceName}}","uid":"{{uid}}","resourceVersion":"1"},"spec":""" + spec + "}";
        Kubeconfig = Path.Combine(directory, "fake.kubeconfig");
        File.WriteAllText(Kubeconfig, $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: fake, cluster: {server: "{{{Url.TrimEnd('/')}}}"}}]
            users: [{name: bench, user: {token: bench}}]
            contexts: [{name: fake, context: {cluster: fake, user: bench}}]
            current-context: fake
            """);
        _serving = ServeAsync();
    }

    public string Url { get; }

    public string Kubeconfig { get; }

    /// <summary>When the first request came, since <see cref="Restart"/>; null before it.</summary>
    public TimeSpan? FirstRequest { get; private set; }

    /// <summary>Forgets the first request and starts the clock again (just before starting a companion).</summary>
    public void Restart()
    {
        FirstRequest = null;
        _clock.Restart();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            FirstRequest ??= _clock.Elapsed;
            _ = AnswerAsync(context);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            response.ContentType = "application/json";
            var path = request.Url!.AbsolutePath;
            if (request.QueryString["watch"] is "true" or "1")
            {
                // Open, silent, until the companion lets go.
                response.SendChunked = true;
                await response.OutputStream.FlushAsync(_stop.Token);
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }
            var body = request.HttpMethod == "GET" && path.EndsWith("/slurmjobs", StringComparison.Ordinal)
                ? $$"""{"apiVersion":"slurm.sylabs.io/v1alpha1","kind":"SlurmJobList","metadata":{"resourceVersion":"1"},"items":[{{_job}}]}"""
                : _job;
            if (request.HasEntityBody)
            {
                using var reader = new StreamReader(request.InputStream);
                await reader.ReadToEndAsync();
            }
            var bytes = Encoding.UTF8.GetBytes(body);
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (OperationCanceledException)
        {
        }
        _listener.Close();
        _stop.Dispose();
    }
}
