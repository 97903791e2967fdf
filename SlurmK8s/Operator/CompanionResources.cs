using k8s.Models;
using SlurmK8s.Cli;
using SlurmK8s.Kube;

namespace SlurmK8s.Operator;

/// <summary>
/// What a companion pod asks of its node besides Slurm's budget (operator flags). Without requests a pod is BestEffort:
/// the first one the kubelet evicts when the node runs short of memory, and one a namespace's ResourceQuota on cpu or
/// memory refuses outright. The memory limit also bounds the companion's heap (the GC keeps below 75 % of it).
/// "none" (or empty): not asked, and then a namespace's LimitRange may fill it in.
/// </summary>
internal sealed record CompanionResources(string CpuRequest, string MemoryRequest, string MemoryLimit)
{
    public const string CpuRequestFlag = "--companion-cpu-request";
    public const string MemoryRequestFlag = "--companion-memory-request";
    public const string MemoryLimitFlag = "--companion-memory-limit";

    /// <summary>
    /// Measured on the local cluster (docs/benchmarks.md, "What a companion costs its node"): a companion's container is
    /// charged about 14 MB while it waits, under 20 MB while it streams output, and under 35 MB of its own memory while it
    /// collects results (their page cache is reclaimed under the limit).
    /// </summary>
    public static readonly CompanionResources Default = new("10m", "32Mi", "128Mi");

    /// <summary>The resources, or a sentence naming the flag that is wrong and what to write instead.</summary>
    public static (CompanionResources? Resources, string? Error) Create(string cpuRequest, string memoryRequest, string memoryLimit)
    {
        (cpuRequest, memoryRequest, memoryLimit) = (SharedOptions.NoneIsEmpty(cpuRequest), SharedOptions.NoneIsEmpty(memoryRequest), SharedOptions.NoneIsEmpty(memoryLimit));
        var (_, cpuProblem) = Amount(cpuRequest, "e.g. 10m or 0.1, or none");
        var (request, requestProblem) = Amount(memoryRequest, "e.g. 32Mi or 1Gi, or none");
        var (limit, limitProblem) = Amount(memoryLimit, "e.g. 128Mi or 1Gi, or none");
        if (cpuProblem is not null)
        {
            return (null, $"{CpuRequestFlag}: {cpuProblem}");
        }
        if (requestProblem is not null)
        {
            return (null, $"{MemoryRequestFlag}: {requestProblem}");
        }
        if (limitProblem is not null)
        {
            return (null, $"{MemoryLimitFlag}: {limitProblem}");
        }
        if (limit == 0 && memoryLimit.Length > 0)
        {
            return (null, $"{MemoryLimitFlag} {memoryLimit}: a companion needs memory to run; give its limit (e.g. 128Mi), or none");
        }
        if (memoryLimit.Length > 0 && request > limit)
        {
            return (null, $"{MemoryRequestFlag} {memoryRequest} is more than {MemoryLimitFlag} {memoryLimit}: Kubernetes refuses such a pod; lower the request or raise the limit");
        }
        return (new CompanionResources(cpuRequest, memoryRequest, memoryLimit), null);
    }

    /// <summary>The container's requests and limits, with the job's <c>slurm.sylabs.io/*</c> amounts as limits (requests then equal them).</summary>
    public V1ResourceRequirements For(IReadOnlyDictionary<string, string> extendedResources)
    {
        var requests = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        var limits = extendedResources.ToDictionary(r => r.Key, r => new ResourceQuantity(r.Value), StringComparer.Ordinal);
        Add(requests, "cpu", CpuRequest);
        Add(requests, "memory", MemoryRequest);
        Add(limits, "memory", MemoryLimit);
        return new V1ResourceRequirements { Requests = requests.Count > 0 ? requests : null, Limits = limits.Count > 0 ? limits : null };
    }

    /// <summary>In words, for a message: "cpu 10m, memory 32Mi (at most 128Mi)".</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (CpuRequest.Length > 0)
        {
            parts.Add($"cpu {CpuRequest}");
        }
        if (MemoryRequest.Length > 0 || MemoryLimit.Length > 0)
        {
            parts.Add("memory " + (MemoryRequest.Length > 0 ? MemoryRequest : "none requested") + (MemoryLimit.Length > 0 ? $" (at most {MemoryLimit})" : ""));
        }
        return parts.Count > 0 ? string.Join(", ", parts) : "no cpu or memory";
    }

    private static (decimal Amount, string? Problem) Amount(string value, string example) =>
        value.Length == 0 ? (0, null) : KubeSyntax.Quantity(value, example);

    private static void Add(Dictionary<string, ResourceQuantity> to, string name, string quantity)
    {
        if (quantity.Length > 0)
        {
            to[name] = new ResourceQuantity(quantity);
        }
    }
}
