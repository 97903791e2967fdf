using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Companion;

/// <summary>
/// <see cref="ISlurmJobClient"/> over KubernetesClient.Aot: GET, a merge patch of the status subresource, core/v1 Events,
/// and a watch (the Aot client has none) as a list request with watch=true narrowed to this one object by name.
/// Small on purpose: the companion needs get/watch on slurmjobs, patch on slurmjobs/status and create on events.
/// </summary>
internal sealed partial class KubeSlurmJobClient(Kubernetes client, string @namespace, string name, string podName, ILogger<KubeSlurmJobClient> logger)
    : ISlurmJobClient
{
    private const string Component = "slurmk8s-companion";
    private static readonly TimeSpan WatchRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxWatchRetryDelay = TimeSpan.FromSeconds(30);

    // The object's UID, for the events' involvedObject; learnt from the first read.
    private string? _uid;

    public async Task<SlurmJob?> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            var slurmJob = await client.CustomObjects.GetNamespacedCustomObjectAsync<SlurmJob>(SlurmJob.Group, SlurmJob.Version, @namespace,
                SlurmJob.Plural, name, cancellationToken).ConfigureAwait(false);
            _uid ??= slurmJob.Metadata.Uid;
            return slurmJob;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (Translate(e, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    public async Task PatchStatusAsync(JsonObject fields, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["status"] = fields.DeepClone() }.ToJsonString();
        try
        {
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<SlurmJob>(new V1Patch(body, V1Patch.PatchType.MergePatch),
                SlurmJob.Group, SlurmJob.Version, @namespace, SlurmJob.Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    public async Task PostEventAsync(CompanionEvent companionEvent, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var body = new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = name + ".", NamespaceProperty = @namespace },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = SlurmJob.ApiVersionName, Kind = SlurmJob.KindName, Name = name, NamespaceProperty = @namespace, Uid = _uid,
            },
            Type = companionEvent.Type,
            Reason = companionEvent.Reason,
            // The API server refuses event messages over 1 kB.
            Message = companionEvent.Message.Length > 1024 ? companionEvent.Message[..1021] + "..." : companionEvent.Message,
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            ReportingInstance = podName,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(body, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    public async IAsyncEnumerable<SlurmJob?> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var changes = Channel.CreateUnbounded<SlurmJob?>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = ProduceAsync(changes.Writer, stop.Token);
        try
        {
            await foreach (var change in changes.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return change;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // GET, then watch from its resourceVersion; whenever the stream ends or fails, GET again (which also covers 410 Gone).
    private async Task ProduceAsync(ChannelWriter<SlurmJob?> writer, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(WatchRetryDelay, MaxWatchRetryDelay);
        try
        {
            while (true)
            {
                try
                {
                    var current = await GetAsync(cancellationToken).ConfigureAwait(false);
                    await writer.WriteAsync(current, cancellationToken).ConfigureAwait(false);
                    if (current is null)
                    {
                        return;
                    }
                    if (await StreamAsync(writer, current.Metadata.ResourceVersion, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                    backoff.Reset();
                }
                catch (Exception e) when (e is KubeApiException or JsonException)
                {
                    LogWatchFailed(@namespace, name, (e as KubeApiException)?.StatusCode ?? 0, e.Message);
                    await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            writer.TryComplete();
        }
    }

    /// <summary>Relays one watch stream; true when it reported the object deleted.</summary>
    private async Task<bool> StreamAsync(ChannelWriter<SlurmJob?> writer, string resourceVersion, CancellationToken cancellationToken)
    {
        var query = $"watch=true&allowWatchBookmarks=true&timeoutSeconds=300&fieldSelector={Uri.EscapeDataString("metadata.name=" + name)}"
            + $"&resourceVersion={Uri.EscapeDataString(resourceVersion)}";
        using var request = new HttpRequestMessage(HttpMethod.Get,
            new Uri(client.BaseUri, $"apis/{SlurmJob.Group}/{SlurmJob.Version}/namespaces/{@namespace}/{SlurmJob.Plural}?{query}"));
        try
        {
            if (client.Credentials is { } credentials)
            {
                await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
            }
            using var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw new KubeApiException((int)response.StatusCode, $"watch of slurmjobs/{name} refused: {text.Trim()}");
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }
                using var watchEvent = JsonDocument.Parse(line);
                var type = watchEvent.RootElement.GetProperty("type").GetString();
                var body = watchEvent.RootElement.GetProperty("object").GetRawText();
                switch (type)
                {
                    case "ADDED" or "MODIFIED":
                        await writer.WriteAsync(KubernetesJson.Deserialize<SlurmJob>(body), cancellationToken).ConfigureAwait(false);
                        break;
                    case "DELETED":
                        await writer.WriteAsync(null, cancellationToken).ConfigureAwait(false);
                        return true;
                    case "ERROR":
                        // Typically 410 Gone (our resourceVersion is too old): start over with a fresh GET.
                        LogWatchError(@namespace, name, body);
                        return false;
                }
            }
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException
                                  || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // A timeout of the HTTP client is not our cancellation: the watch just starts over.
            throw new KubeApiException(0, $"watch of slurmjobs/{name} broke: {e.Message}", e);
        }
    }

    private static KubeApiException? Translate(Exception e, CancellationToken cancellationToken) => e switch
    {
        _ when cancellationToken.IsCancellationRequested => null,
        KubeApiException => null,
        HttpOperationException http => new KubeApiException((int)http.Response.StatusCode, $"{(int)http.Response.StatusCode} {http.Response.ReasonPhrase}: {http.Response.Content}", e),
        HttpRequestException or IOException or TaskCanceledException => new KubeApiException(0, e.Message, e),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of SlurmJob {Namespace}/{Name} failed ({Status}), retrying: {Error}")]
    private partial void LogWatchFailed(string @namespace, string name, int status, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of SlurmJob {Namespace}/{Name} ended with an error event, starting over: {Body}")]
    private partial void LogWatchError(string @namespace, string name, string body);
}
