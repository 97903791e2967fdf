using SlurmK8s.Kube;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Resourced;

/// <summary>
/// The slurm-config file, in the seed's format:
/// <code>
/// &lt;node name&gt;:
///   resources:
///     &lt;resource name&gt;: &lt;quantity&gt;
///   labels:
///     &lt;label name&gt;: &lt;label value&gt;
/// </code>
/// Every name becomes slurm.sylabs.io/&lt;name&gt; on the node. The whole file is validated, not only this node's entry:
/// one file feeds every node, so a mistake anywhere is reported everywhere and no node runs on half an edit.
/// </summary>
internal sealed record NodeConfig(IReadOnlyDictionary<string, NodeSettings> Nodes)
{
    private static readonly IDeserializer Deserializer = new StaticDeserializerBuilder(new NodeConfigYamlContext()).WithDuplicateKeyChecking().Build();

    /// <summary>This node's settings; null when the file does not name it (it is then no Slurm node).</summary>
    public NodeSettings? For(string nodeName) => Nodes.GetValueOrDefault(nodeName);

    /// <exception cref="NodeConfigException">The YAML is malformed or a name, value or quantity is invalid.</exception>
    public static NodeConfig Parse(string yaml)
    {
        Dictionary<string, NodeEntryYaml?>? entries;
        try
        {
            entries = Deserializer.Deserialize<Dictionary<string, NodeEntryYaml?>?>(yaml);
        }
        catch (YamlException e)
        {
            throw new NodeConfigException(DescribeYamlError(e));
        }
        var nodes = new Dictionary<string, NodeSettings>(StringComparer.Ordinal);
        foreach (var (node, entry) in entries ?? [])
        {
            nodes[node] = Validate(node, entry);
        }
        return new NodeConfig(nodes);
    }

    private static NodeSettings Validate(string node, NodeEntryYaml? entry)
    {
        var resources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, raw) in entry?.Resources ?? [])
        {
            var quantity = raw?.Trim() ?? "";
            if (KubeSyntax.NameProblem(name) is { } nameProblem)
            {
                throw new NodeConfigException($"{node}: resources.{name}: {nameProblem}");
            }
            if (KubeSyntax.QuantityProblem(quantity) is { } quantityProblem)
            {
                throw new NodeConfigException($"{node}: resources.{name}: {quantityProblem}");
            }
            resources[name] = quantity;
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, raw) in entry?.Labels ?? [])
        {
            // An empty value (`name:` alone) is a valid label, as `kubectl label node n name=` makes.
            var value = raw ?? "";
            if (KubeSyntax.NameProblem(name) is { } nameProblem)
            {
                throw new NodeConfigException($"{node}: labels.{name}: {nameProblem}");
            }
            if (SlurmNodeKeys.Of(name) == SlurmNodeKeys.WorkloadManagerLabel)
            {
                throw new NodeConfigException($"{node}: labels.{name}: resourced sets {SlurmNodeKeys.WorkloadManagerLabel}={SlurmNodeKeys.WorkloadManagerValue} "
                    + "on every node the file names: remove this key");
            }
            if (KubeSyntax.LabelValueProblem(value) is { } valueProblem)
            {
                throw new NodeConfigException($"{node}: labels.{name}: {valueProblem}");
            }
            labels[name] = value;
        }
        return new NodeSettings(resources, labels);
    }

    private static string DescribeYamlError(YamlException e)
    {
        // YamlDotNet words these in .NET terms ("Property 'x' not found on type …"): say them in the file's terms.
        var message = e.Message;
        var what = message switch
        {
            _ when message.Contains("not found on type", StringComparison.Ordinal) && message.Split('\'') is [_, var key, ..] =>
                $"unknown key '{key}' in a node's entry: a node takes only 'resources' and 'labels'",
            _ when message.Contains("into type System.String", StringComparison.Ordinal) =>
                "a list or a map where a single value belongs: write one quantity or label value",
            _ when message.Contains("Expected 'MappingStart'", StringComparison.Ordinal) =>
                "a map belongs here: the file maps node names to {resources: …, labels: …}",
            _ when message.StartsWith("Encountered duplicate key ", StringComparison.Ordinal) =>
                $"'{message["Encountered duplicate key ".Length..]}' appears twice in the same map: keep one",
            _ => e.InnerException?.Message ?? message,
        };
        return $"line {e.Start.Line}, column {e.Start.Column}: {what}";
    }
}
