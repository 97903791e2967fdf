using System.Text.Json;
using System.Text.Json.Serialization;
using SlurmK8s.Slurm;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>A <see cref="JobState"/> as Slurm spells it (NODE_FAIL, OUT_OF_MEMORY): what users know from squeue.</summary>
internal sealed class SlurmStateJsonConverter : JsonConverter<JobState?>
{
    public override JobState? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JobStates.FromWord(reader.GetString());

    public override void Write(Utf8JsonWriter writer, JobState? value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value?.Word());
}
