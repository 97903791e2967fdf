using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>
/// Source-generated JSON (Native AOT has no reflection serializer) for what slurmk8s reads or writes of the Kubernetes
/// API — our custom resource and the dozen Kubernetes types it uses — and no others: KubernetesJson's context covers
/// every Kubernetes type, and once reached it puts the runtime data of all of them into every process
/// (docs/benchmarks.md#memory). KubernetesJson's conventions: names from the models' [JsonPropertyName], nulls left
/// out, its date converters (whole seconds as "…:00Z", else six digits); quantities and int-or-string carry their
/// converters on the type.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = new[] { typeof(KubernetesJson.KubernetesDateTimeConverter), typeof(KubernetesJson.KubernetesDateTimeOffsetConverter) })]
[JsonSerializable(typeof(SlurmJob))]
[JsonSerializable(typeof(SlurmJobList))]
[JsonSerializable(typeof(SlurmJobStatus))]
[JsonSerializable(typeof(SlurmJobFacts))]
[JsonSerializable(typeof(CompanionReport))]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(V1PodList))]
[JsonSerializable(typeof(V1Node))]
[JsonSerializable(typeof(V1NodeList))]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(V1DeleteOptions))]
[JsonSerializable(typeof(V1Lease))]
// metadata.managedFields[].fieldsV1 is an object, read as a JsonElement: written back as one.
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
