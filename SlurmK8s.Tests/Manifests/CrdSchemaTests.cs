using System.Text.Json.Serialization.Metadata;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using YamlDotNet.RepresentationModel;

namespace SlurmK8s.Tests.Manifests;

/// <summary>
/// The CRD's schema and the C# API types name the same fields with the same JSON types. Read from the
/// YAML file and the source-generated JSON metadata: no API server needed.
/// </summary>
internal sealed class CrdSchemaTests
{
    private YamlMappingNode _schema = null!;

    [OneTimeSetUp]
    public void ReadCrd()
    {
        using var reader = File.OpenText(RepositoryFiles.CrdPath);
        var stream = new YamlStream();
        stream.Load(reader);
        var version = (YamlMappingNode)((YamlSequenceNode)Child((YamlMappingNode)stream.Documents[0].RootNode, "spec")["versions"]).Children.Single();
        _schema = Child(Child(version, "schema"), "openAPIV3Schema");
    }

    [Test]
    public void Status_MatchesSlurmJobStatus() =>
        AssertSameFields(Child(Properties(_schema), "status"), ApiJsonContext.Default.SlurmJobStatus, "status");

    [Test]
    public void StatusSlurm_MatchesSlurmJobFacts()
    {
        AssertSameFields(At(_schema, "status", "slurm"), ApiJsonContext.Default.SlurmJobFacts, "status.slurm");
        AssertSameFields(At(_schema, "status", "slurm", "arrayTasks"), (JsonTypeInfo)ApiJsonContext.Default.GetTypeInfo(typeof(ArrayTaskCounts))!, "status.slurm.arrayTasks");
        AssertSameFields(Child(At(_schema, "status", "slurm", "failedTasks"), "items"), (JsonTypeInfo)ApiJsonContext.Default.GetTypeInfo(typeof(FailedArrayTask))!, "status.slurm.failedTasks[]");
    }

    [Test]
    public void StatusCompanion_MatchesCompanionReport()
    {
        AssertSameFields(At(_schema, "status", "companion"), ApiJsonContext.Default.CompanionReport, "status.companion");
        AssertSameFields(At(_schema, "status", "companion", "submitFailure"), (JsonTypeInfo)ApiJsonContext.Default.GetTypeInfo(typeof(SubmitFailure))!, "status.companion.submitFailure");
        AssertSameFields(At(_schema, "status", "companion", "results"), (JsonTypeInfo)ApiJsonContext.Default.GetTypeInfo(typeof(ResultsReport))!, "status.companion.results");
    }

    [Test]
    public void StatusEnums_AreTheEnumsTheCodeWrites()
    {
        Assert.That(EnumOf(At(_schema, "status", "slurm", "state")), Is.EqualTo(Enum.GetValues<SlurmK8s.Slurm.JobState>().Select(s => SlurmK8s.Slurm.JobStates.Word(s))));
        Assert.That(EnumOf(At(_schema, "status", "companion", "submitFailure", "reason")), Is.EqualTo(Enum.GetNames<SubmitFailureReason>()));
        Assert.That(EnumOf(At(_schema, "status", "companion", "results", "outcome")), Is.EqualTo(Enum.GetNames<ResultsOutcome>()));
    }

    [Test]
    public void SpecBatch_MaxLength_IsWhatRedBoxAccepts() =>
        Assert.That(Scalar(At(_schema, "spec", "batch"), "maxLength"), Is.EqualTo(SlurmK8s.RedBoxContract.ScriptLimits.MaxScriptBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static IEnumerable<string?> EnumOf(YamlMappingNode node) => ((YamlSequenceNode)node["enum"]).Children.Select(v => ((YamlScalarNode)v).Value);

    [Test]
    public void StatusConditions_HaveTheShapeOfACondition() =>
        AssertSameFields(Child(At(_schema, "status", "conditions"), "items"), (JsonTypeInfo)ApiJsonContext.Default.GetTypeInfo(typeof(V1Condition))!, "status.conditions[]");

    [Test]
    public void StatusPhase_EnumIsTheSetOfPhases()
    {
        var values = ((YamlSequenceNode)At(_schema, "status", "phase")["enum"]).Children.Select(v => ((YamlScalarNode)v).Value);

        Assert.That(values, Is.EqualTo(new[] { SlurmJobPhase.Pending, SlurmJobPhase.Submitted, SlurmJobPhase.Running, SlurmJobPhase.Succeeded, SlurmJobPhase.Failed, SlurmJobPhase.Cancelled }));
    }

    [Test]
    public void Spec_MatchesSlurmJobSpec()
    {
        AssertSameFields(Child(Properties(_schema), "spec"), ApiJsonContext.Default.SlurmJobSpec, "spec");
        AssertSameFields(At(_schema, "spec", "results"), ApiJsonContext.Default.SlurmJobResults, "spec.results");
    }

    [Test]
    public void EveryField_HasADescription()
    {
        var missing = new List<string>();
        Walk(_schema, "", missing);

        Assert.That(missing, Is.Empty, "fields without a description (kubectl explain shows nothing for them)");
    }

    /// <summary>The schema object's property names and JSON types equal the C# type's JSON properties.</summary>
    private static void AssertSameFields(YamlMappingNode schemaObject, JsonTypeInfo typeInfo, string path)
    {
        var properties = Properties(schemaObject);
        var names = properties.Children.Keys.Select(k => ((YamlScalarNode)k).Value);
        Assert.That(names, Is.EquivalentTo(typeInfo.Properties.Select(p => p.Name)), $"{path}: schema properties vs {typeInfo.Type.Name}");
        foreach (var property in typeInfo.Properties)
        {
            var field = Child(properties, property.Name);
            var (type, format) = JsonTypeOf(property.PropertyType);
            Assert.That(Scalar(field, "type"), Is.EqualTo(type), $"{path}.{property.Name}: type");
            if (format is not null)
            {
                Assert.That(Scalar(field, "format"), Is.EqualTo(format), $"{path}.{property.Name}: format");
            }
        }
    }

    private static (string Type, string? Format) JsonTypeOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type.IsEnum)   // our enums are written as their names (Slurm's spelling for JobState)
        {
            return ("string", null);
        }
        if (type == typeof(int))
        {
            return ("integer", "int32");
        }
        if (type == typeof(long))
        {
            return ("integer", "int64");
        }
        if (type == typeof(DateTime))
        {
            return ("string", "date-time");
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IList<>))
        {
            return ("array", null);
        }
        return ("object", null);
    }

    private static void Walk(YamlMappingNode schema, string path, List<string> missing)
    {
        if (path.Length > 0 && path != ".metadata" && !schema.Children.ContainsKey("description"))
        {
            missing.Add(path);
        }
        if (schema.Children.TryGetValue("properties", out var properties))
        {
            foreach (var (name, child) in ((YamlMappingNode)properties).Children)
            {
                Walk((YamlMappingNode)child, $"{path}.{((YamlScalarNode)name).Value}", missing);
            }
        }
        if (schema.Children.TryGetValue("items", out var items))
        {
            Walk((YamlMappingNode)items, path + "[]", missing);
        }
    }

    private static YamlMappingNode At(YamlMappingNode schema, params string[] names) =>
        names.Aggregate(schema, (node, name) => Child(Properties(node), name));

    private static YamlMappingNode Properties(YamlMappingNode schema) => Child(schema, "properties");

    private static YamlMappingNode Child(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;
}
