using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Logging;
using SlurmK8s.Kube;
using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Resourced;

/// <summary>
/// resourced's loop: read the config file when it changes, keep the last good config, and bring the Node to it
/// (labels, capacity, allocatable) — at start, on every change, and every resync interval in case someone else
/// changed the Node. What to change is <see cref="NodePatchPlanner"/>'s to say; this loop decides when, reads and writes.
/// </summary>
internal sealed partial class ResourcedLoop(
    string nodeName,
    INodeApi api,
    NodeConfigWatcher watcher,
    IResourceDiscovery? discovery,
    TimeSpan resyncInterval,
    ILogger<ResourcedLoop> logger)
{
    public const string Component = "slurmk8s-resourced";
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);

    private NodeConfig? _config;
    private IReadOnlyDictionary<string, string>? _discovered;
    private string? _reportedConfigError;
    private string? _reportedRejection;
    private string? _reportedDiscovery;
    private string? _nodeUid;
    private bool _waitingReported;
    private readonly NodeConfigNotice _notInConfig = new(nodeName, watcher.FilePath);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        LogStarting(logger, nodeName, watcher.FilePath, discovery is not null, resyncInterval.TotalSeconds);
        // Only the newest content matters: an older one still queued is dropped.
        var contents = Channel.CreateBounded<string?>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var pump = PumpAsync(contents.Writer, cancellationToken);

        var nextPass = DateTimeOffset.UtcNow;
        var retry = FirstRetry;
        while (!cancellationToken.IsCancellationRequested)
        {
            var apply = false;
            var changed = await WaitForContentAsync(contents.Reader, nextPass - DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            if (changed)
            {
                string? latest = null;
                while (contents.Reader.TryRead(out var content))
                {
                    latest = content;
                }
                apply = await AcceptAsync(latest, cancellationToken).ConfigureAwait(false);
            }
            if (DateTimeOffset.UtcNow >= nextPass)
            {
                await DiscoverAsync(cancellationToken).ConfigureAwait(false);
                apply = true;
                nextPass = DateTimeOffset.UtcNow + resyncInterval;
            }
            if (!apply || _config is null)
            {
                continue;
            }
            if (await ApplyAsync(cancellationToken).ConfigureAwait(false))
            {
                nextPass = DateTimeOffset.UtcNow + resyncInterval;
                retry = FirstRetry;
            }
            else
            {
                // Capped exponential backoff; a config change still applies at once.
                nextPass = DateTimeOffset.UtcNow + retry;
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, resyncInterval.Ticks));
            }
        }
        await pump.ConfigureAwait(false);
    }

    private async Task PumpAsync(ChannelWriter<string?> writer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var content in watcher.ReadChangesAsync(cancellationToken).ConfigureAwait(false))
            {
                writer.TryWrite(content);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
            return;
        }
        writer.TryComplete();
    }

    /// <summary>True when content arrived; false when <paramref name="delay"/> passed first.</summary>
    private static async Task<bool> WaitForContentAsync(ChannelReader<string?> reader, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (reader.TryPeek(out _))
        {
            return true;
        }
        if (delay <= TimeSpan.Zero)
        {
            return false;
        }
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(delay);
        try
        {
            if (await reader.WaitToReadAsync(timer.Token).ConfigureAwait(false))
            {
                return true;
            }
            // The watcher stopped: surface why (it only ends on cancellation otherwise).
            await reader.Completion.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("the config file watcher stopped");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false; // shutting down: the loop ends
        }
    }

    /// <summary>Takes new file content; true when there is a new good config to apply.</summary>
    private async Task<bool> AcceptAsync(string? content, CancellationToken cancellationToken)
    {
        if (content is null)
        {
            if (!_waitingReported)
            {
                _waitingReported = true;
                if (_config is null)
                {
                    LogWaitingForFile(logger, watcher.FilePath);
                }
                else
                {
                    LogFileGone(logger, watcher.FilePath);
                }
            }
            return false;
        }
        _waitingReported = false;
        try
        {
            _config = NodeConfig.Parse(content);
        }
        catch (NodeConfigException e)
        {
            if (!string.Equals(e.Message, _reportedConfigError, StringComparison.Ordinal))
            {
                _reportedConfigError = e.Message;
                var keeping = _config is null ? "nothing applied until it is fixed" : "keeping the last good config";
                LogBadConfig(logger, watcher.FilePath, e.Message, keeping);
                await PostEventAsync(PlannedEvent.Warning("BadSlurmConfig", $"{watcher.FilePath}: {e.Message}; {keeping}"), cancellationToken).ConfigureAwait(false);
            }
            return false;
        }
        _reportedConfigError = null;
        var mine = _config.For(nodeName);
        LogConfigRead(logger, watcher.FilePath, _config.Nodes.Count, mine is null ? "not listed: it is no Slurm node" : "listed");
        return true;
    }

    private async Task DiscoverAsync(CancellationToken cancellationToken)
    {
        if (discovery is null)
        {
            return;
        }
        var outcome = await discovery.DiscoverAsync(cancellationToken).ConfigureAwait(false);
        if (outcome.Resources is { } found)
        {
            _discovered = found;
            _reportedDiscovery = null;
            return;
        }
        if (!outcome.IsFailure)
        {
            _discovered = null;
        }
        if (!string.Equals(outcome.Problem, _reportedDiscovery, StringComparison.Ordinal))
        {
            _reportedDiscovery = outcome.Problem;
            var consequence = outcome.IsFailure && _discovered is not null ? "keeping what it found before" : "resources from the config file only";
            LogDiscoveryProblem(logger, outcome.Problem ?? "", consequence);
        }
    }

    /// <summary>One pass: read the Node, plan, patch. False when it must be retried.</summary>
    private async Task<bool> ApplyAsync(CancellationToken cancellationToken)
    {
        var desired = NodeSettings.Compose(_config!.For(nodeName), _discovered);
        try
        {
            var node = await api.GetNodeAsync(nodeName, cancellationToken).ConfigureAwait(false);
            if (node is null)
            {
                LogNodeMissing(logger, nodeName);
                return false;
            }
            _nodeUid = node.Uid;
            if (_notInConfig.Next(_config!) is { } notInConfig)
            {
                LogNotInConfig(logger, notInConfig.Message);
                await PostEventAsync(notInConfig, cancellationToken).ConfigureAwait(false);
            }
            var plan = NodePatchPlanner.Plan(node, desired);
            if (plan.IsEmpty)
            {
                LogUpToDate(logger, nodeName);
                return true;
            }
            if (plan.ChangesLabels)
            {
                await api.PatchLabelsAsync(nodeName, plan.Labels, cancellationToken).ConfigureAwait(false);
            }
            if (plan.ChangesStatus)
            {
                await api.PatchResourcesAsync(nodeName, plan.Capacity, plan.Allocatable, cancellationToken).ConfigureAwait(false);
            }
            _reportedRejection = null;
            var changes = plan.ToString();
            LogApplied(logger, nodeName, changes);
            await PostEventAsync(PlannedEvent.Normal("SlurmConfigApplied", changes), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubeApiException e)
        {
            LogApiFailed(logger, nodeName, e.Message);
            if (e.IsRejection && !string.Equals(e.Message, _reportedRejection, StringComparison.Ordinal))
            {
                _reportedRejection = e.Message;
                await PostEventAsync(PlannedEvent.Warning("SlurmConfigRejected", e.Message), cancellationToken).ConfigureAwait(false);
            }
            return false;
        }
    }

    private async Task PostEventAsync(PlannedEvent planned, CancellationToken cancellationToken)
    {
        var node = ObjectReferences.For(new V1ObjectMeta { Name = nodeName, Uid = _nodeUid }, "v1", "Node");
        try
        {
            await api.CreateEventAsync(planned.About(node, Component), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e)
        {
            LogEventFailed(logger, planned.Reason, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "resourced for node {Node}: following {File}; discovery from red-box {Discover}; resync every {Resync}s")]
    private static partial void LogStarting(ILogger logger, string node, string file, bool discover, double resync);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File} does not exist (yet): waiting for it; nothing is applied until it does (is the slurm-config ConfigMap created, with the key `config`?)")]
    private static partial void LogWaitingForFile(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File} disappeared: keeping the last good config")]
    private static partial void LogFileGone(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Error, Message = "{File} is not valid: {Error}; {Keeping}")]
    private static partial void LogBadConfig(ILogger logger, string file, string error, string keeping);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {File}: {Nodes} node(s); this node is {Mine}")]
    private static partial void LogConfigRead(ILogger logger, string file, int nodes, string mine);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogNotInConfig(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discovery from red-box: {Problem}; {Consequence}")]
    private static partial void LogDiscoveryProblem(ILogger logger, string problem, string consequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} does not exist: is --node-name (NODE_NAME) right? Trying again")]
    private static partial void LogNodeMissing(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Node {Node} is up to date")]
    private static partial void LogUpToDate(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} updated: {Changes}")]
    private static partial void LogApplied(ILogger logger, string node, string changes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} could not be updated: {Error}; trying again")]
    private static partial void LogApiFailed(ILogger logger, string node, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not post the {Reason} event: {Error}")]
    private static partial void LogEventFailed(ILogger logger, string reason, string error);
}
