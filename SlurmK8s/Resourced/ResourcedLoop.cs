using k8s.Models;
using Microsoft.Extensions.Logging;
using SlurmK8s.ControllerRuntime;
using SlurmK8s.ControllerRuntime.Observability;
using SlurmK8s.Kube;

namespace SlurmK8s.Resourced;

/// <summary>
/// resourced's controller: one key (its node) on the controller runtime's <see cref="WorkQueue"/>. The config file
/// watcher, red-box discovery, the resync timer and, when given one (it needs list and watch on nodes), the watch on
/// its own Node only add the key; the worker reads the config (keeping the last good one), plans (<see cref="NodePatchPlanner"/>) and patches.
/// A failed pass comes back after the one <see cref="ExponentialBackoff"/> (from a second up to the resync interval);
/// a config change still applies at once.
/// </summary>
internal sealed partial class ResourcedLoop(
    string nodeName,
    INodeApi api,
    NodeConfigWatcher watcher,
    IResourceDiscovery? discovery,
    TimeSpan resyncInterval,
    ILogger<ResourcedLoop> logger,
    IWatchSource<V1Node>? nodeSource = null,
    HealthState? health = null,
    Liveness? liveness = null,
    TimeProvider? time = null)
{
    public const string Component = "slurmk8s-resourced";

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ExponentialBackoff _retry = new(TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, resyncInterval.Ticks)), resyncInterval);
    private readonly EventRecorder _events = new(api, Component, logger);
    private readonly Lock _gate = new();
    private string? _latestContent;
    private int _contentVersion;
    private int _acceptedVersion;
    private int _discoverDue = 1;
    private int _failures;

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
        using var queue = new WorkQueue(logger, time: _time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var node = nodeSource is null ? null : new ListWatch<V1Node>(nodeSource, _ => queue.Add(nodeName), logger, time: _time);
        var limits = liveness ?? new Liveness();
        using var live = health?.AddLivenessCheck(() => queue.Problem(limits.QueueStuck) ?? node?.Problem(limits.WatchFailing));
        var pump = PumpAsync(queue, stop);
        var watch = node?.RunAsync(stop.Token) ?? Task.CompletedTask;
        var resync = ResyncAsync(queue, stop.Token);
        try
        {
            await queue.RunAsync(1, (_, token) => PassAsync(token), stop.Token).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(watch, resync).ConfigureAwait(false);
        }
        await pump.ConfigureAwait(false);   // the watcher's own failure, if that is why we stopped
    }

    /// <summary>Follows the file: each new content is kept (only the newest matters) and the node key added.</summary>
    private async Task PumpAsync(WorkQueue queue, CancellationTokenSource stop)
    {
        try
        {
            await foreach (var content in watcher.ReadChangesAsync(stop.Token).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    _latestContent = content;
                    _contentVersion++;
                }
                queue.Add(nodeName);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        await stop.CancelAsync().ConfigureAwait(false);
        throw new InvalidOperationException("the config file watcher stopped");
    }

    /// <summary>Every resync interval: ask red-box again and look at the Node again, in case someone else changed it.</summary>
    private async Task ResyncAsync(WorkQueue queue, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(resyncInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Exchange(ref _discoverDue, 1);
                queue.Add(nodeName);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One pass for the node: new file content, discovery when due, then plan and patch. Returns when to look again.</summary>
    private async Task<TimeSpan?> PassAsync(CancellationToken cancellationToken)
    {
        string? content;
        int version;
        lock (_gate)
        {
            (content, version) = (_latestContent, _contentVersion);
        }
        if (version != _acceptedVersion)
        {
            _acceptedVersion = version;
            await AcceptAsync(content, cancellationToken).ConfigureAwait(false);
        }
        if (Interlocked.Exchange(ref _discoverDue, 0) == 1)
        {
            await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_config is null)
        {
            return null;
        }
        if (await ApplyAsync(cancellationToken).ConfigureAwait(false))
        {
            _failures = 0;
            return null;   // the resync timer, the file or the Node brings it back
        }
        return _retry.Delay(++_failures, Random.Shared.NextDouble());
    }

    /// <summary>Takes new file content: a good config replaces the last; a bad or missing file keeps it.</summary>
    private async Task AcceptAsync(string? content, CancellationToken cancellationToken)
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
            return;
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
            return;
        }
        _reportedConfigError = null;
        var mine = _config.For(nodeName);
        LogConfigRead(logger, watcher.FilePath, _config.Nodes.Count, mine is null ? "not listed: it is no Slurm node" : "listed");
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

    private Task<bool> PostEventAsync(PlannedEvent planned, CancellationToken cancellationToken) =>
        _events.RecordAsync(ObjectReferences.For(new V1ObjectMeta { Name = nodeName, Uid = _nodeUid }, "v1", "Node"), planned, cancellationToken);

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
}
