using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SlurmK8s.Tests.Kube;

/// <summary>
/// Reads a one-document Kubernetes YAML manifest into a model type (KubernetesClient.Aot keeps its YAML reader
/// internal): YAML → JSON (plain scalars typed as YAML 1.2's core schema does) → KubernetesJson.
/// </summary>
internal static partial class YamlManifest
{
    public static T Load<T>(string yaml) => KubernetesJson.Deserialize<T>(ToJson(yaml));

    /// <summary>The manifest as JSON, e.g. for a server-side apply (the typed models cannot re-serialize every field they read).</summary>
    public static string ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var document = stream.Documents.Single();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, document.RootNode);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter json, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                json.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    json.WritePropertyName(((YamlScalarNode)key).Value ?? "");
                    Write(json, value);
                }
                json.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                json.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(json, item);
                }
                json.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(json, scalar);
                break;
            default:
                throw new NotSupportedException($"YAML node {node.NodeType} at {node.Start} is not supported in a manifest");
        }
    }

    private static void WriteScalar(Utf8JsonWriter json, YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            json.WriteStringValue(text);
        }
        else if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            json.WriteNullValue();
        }
        else if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            json.WriteBooleanValue(text.Equals("true", StringComparison.OrdinalIgnoreCase));
        }
        else if (Integer().IsMatch(text))
        {
            json.WriteNumberValue(long.Parse(text, CultureInfo.InvariantCulture));
        }
        else if (Float().IsMatch(text))
        {
            json.WriteNumberValue(double.Parse(text, CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteStringValue(text);
        }
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
