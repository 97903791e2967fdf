using System.Text;
using System.Text.Json;
using k8s;
using SlurmK8s.Api.V1Alpha1;
using YamlDotNet.RepresentationModel;

namespace SlurmK8s.Tests.Builders;

/// <summary>The SlurmJobs in samples/, read as the API would hand them to the operator.</summary>
internal static class Samples
{
    public static string Path(string file) => System.IO.Path.Combine(Integration.RealSlurm.RepositoryRoot, "samples", file);

    /// <summary>YAML → JSON → SlurmJob (KubernetesClient.Aot keeps its YAML reader internal).</summary>
    public static SlurmJob Read(string file)
    {
        ApiJson.Register();
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path(file))));
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, yaml.Documents[0].RootNode);
        }
        return KubernetesJson.Deserialize<SlurmJob>(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>Every scalar becomes a JSON string, which suits SlurmJob's all-string spec.</summary>
    private static void Write(Utf8JsonWriter json, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                json.WriteStartObject();
                foreach (var (key, value) in map.Children)
                {
                    json.WritePropertyName(((YamlScalarNode)key).Value!);
                    Write(json, value);
                }
                json.WriteEndObject();
                break;
            case YamlSequenceNode list:
                json.WriteStartArray();
                foreach (var item in list.Children)
                {
                    Write(json, item);
                }
                json.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                json.WriteStringValue(scalar.Value);
                break;
        }
    }
}
