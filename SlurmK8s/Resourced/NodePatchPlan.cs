using System.Text;

namespace SlurmK8s.Resourced;

/// <summary>
/// The changes that bring a Node to its desired state, in merge-patch terms: a key with a value is set, a key with
/// null is removed. Labels go to the Node; capacity and allocatable to its status subresource.
/// </summary>
internal sealed record NodePatchPlan(
    IReadOnlyDictionary<string, string?> Labels,
    IReadOnlyDictionary<string, string?> Capacity,
    IReadOnlyDictionary<string, string?> Allocatable)
{
    public bool ChangesLabels => Labels.Count > 0;

    public bool ChangesStatus => Capacity.Count > 0 || Allocatable.Count > 0;

    public bool IsEmpty => !ChangesLabels && !ChangesStatus;

    /// <summary>One line for logs and events, e.g. "labels +slurm.sylabs.io/cuda=10.0 -slurm.sylabs.io/old; capacity +slurm.sylabs.io/cpu=24".</summary>
    public override string ToString()
    {
        if (IsEmpty)
        {
            return "no change";
        }
        var text = new StringBuilder();
        Append(text, "labels", Labels);
        Append(text, "capacity", Capacity);
        Append(text, "allocatable", Allocatable);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string part, IReadOnlyDictionary<string, string?> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }
        text.Append(text.Length == 0 ? "" : "; ").Append(part);
        foreach (var (key, value) in changes.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            text.Append(value is null ? $" -{key}" : $" +{key}={value}");
        }
    }
}
