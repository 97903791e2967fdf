using System.Globalization;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Tests.Builders;

/// <summary>Nodes with a Slurm CPU budget and companion pods taking from it, for the tests of who gets a slot.</summary>
internal static class BudgetBuilder
{
    public const string Cpu = "slurm.sylabs.io/cpu";

    /// <summary>A Ready node offering this many Slurm CPUs (as capacity and as allocatable).</summary>
    /// <summary>The labels resourced puts on a node of Slurm's (companions land only there), with its cluster's name if given.</summary>
    public static Dictionary<string, string> SlurmLabels(string? cluster = null)
    {
        var labels = new Dictionary<string, string> { [SlurmNodeKeys.WorkloadManagerLabel] = SlurmNodeKeys.WorkloadManagerValue };
        if (cluster is not null)
        {
            labels["slurm.sylabs.io/cluster"] = cluster;
        }
        return labels;
    }

    public static V1Node CpuNode(string name, int cpus, string? cluster = null, string version = "1")
    {
        var offered = new Dictionary<string, ResourceQuantity> { [Cpu] = Cpus(cpus) };
        return new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = name, ResourceVersion = version,
                Labels = SlurmLabels(cluster),
            },
            Status = new V1NodeStatus { Capacity = offered, Allocatable = offered, Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }] },
        };
    }

    /// <summary>A pod in namespace default asking this many Slurm CPUs, on <paramref name="node"/> (null: not placed).</summary>
    public static V1Pod Asking(int cpus, string name, string? node, string phase = "Running", string? cluster = null, string version = "1") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", ResourceVersion = version },
        Spec = new V1PodSpec
        {
            NodeName = node,
            NodeSelector = cluster is null ? null : new Dictionary<string, string> { ["slurm.sylabs.io/cluster"] = cluster },
            Containers = [new V1Container { Name = "companion", Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { [Cpu] = Cpus(cpus) } } }],
        },
        Status = new V1PodStatus { Phase = phase },
    };

    private static ResourceQuantity Cpus(int cpus) => new(cpus.ToString(CultureInfo.InvariantCulture));
}
