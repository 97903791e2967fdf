using SlurmK8s.ControllerRuntime;

namespace SlurmK8s.Resourced;

/// <summary>
/// Says loudly, once per config, that the config does not list this node: the node then loses every slurm.sylabs.io
/// label and resource, and SlurmJobs meant for it stay Pending with no other hint (the seed's `node01` entry on a node
/// called otherwise). "Once" is per distinct message, which names what the config lists, so a resync or an unrelated
/// edit does not say it again, and an edit that still leaves the node out does if it changes the names.
/// </summary>
internal sealed class NodeConfigNotice(string nodeName, string configFile)
{
    public const string Reason = "NodeNotInSlurmConfig";
    private const int NamesShown = 10;

    private string? _told;

    /// <summary>The Warning to post now: when <paramref name="config"/> does not list this node and this was not told yet; else null.</summary>
    public PlannedEvent? Next(NodeConfig config)
    {
        if (config.For(nodeName) is not null)
        {
            _told = null;
            return null;
        }
        var message = Describe(nodeName, configFile, config.Nodes.Keys);
        if (string.Equals(message, _told, StringComparison.Ordinal))
        {
            return null;
        }
        _told = message;
        return PlannedEvent.Warning(Reason, message);
    }

    /// <summary>Pure: the sentence naming the node, the file, the names the file lists, and the fix.</summary>
    public static string Describe(string nodeName, string configFile, IEnumerable<string> listed)
    {
        var names = listed.Order(StringComparer.Ordinal).ToList();
        var shown = string.Join(", ", names.Take(NamesShown).Select(n => $"'{n}'"));
        var lists = names.Count switch
        {
            0 => "which lists no node",
            <= NamesShown => $"which lists only {shown}",
            _ => $"which lists {shown} and {names.Count - NamesShown} more",
        };
        var rename = names.Count == 1 ? $" (or rename '{names[0]}' if it was meant to be this node)" : "";
        return $"Node '{nodeName}' is not in the Slurm config {configFile} (the slurm-config ConfigMap), {lists}: it gets no "
            + $"slurm.sylabs.io labels or resources, so no SlurmJob can run here. Fix: add an entry named '{nodeName}' to slurm-config{rename}; "
            + "see manifests/slurm-config.yaml";
    }
}
