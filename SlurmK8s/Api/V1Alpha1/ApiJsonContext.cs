using System.Text.Json.Serialization;

namespace SlurmK8s.Api.V1Alpha1;

/// <summary>
/// Source-generated JSON for our custom resource (Native AOT has no reflection serializer).
/// Registered with KubernetesClient's options by <see cref="ApiJson.Register"/>.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SlurmJob))]
[JsonSerializable(typeof(SlurmJobList))]
[JsonSerializable(typeof(SlurmJobStatus))]
[JsonSerializable(typeof(SlurmJobFacts))]
[JsonSerializable(typeof(CompanionReport))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;

internal static class ApiJson
{
    private static int _registered;

    /// <summary>Adds our types to KubernetesClient's serializer, once per process.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            k8s.KubernetesJson.AddJsonOptions(o => o.TypeInfoResolverChain.Add(ApiJsonContext.Default));
        }
    }
}
