using System.Text.RegularExpressions;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Kube;

/// <summary>The Kubernetes rules for label names, label values and quantities, checked before anything reaches the API server.</summary>
internal static partial class KubeSyntax
{
    private const string NameRule = "at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit";

    /// <summary>Why <paramref name="name"/> cannot follow the slurm.sylabs.io/ prefix, or null when it can.</summary>
    public static string? NameProblem(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            var bare = name[(name.LastIndexOf('/') + 1)..];
            return $"names take no prefix: resourced writes every name as {SlurmNodeKeys.Prefix}<name>; write '{bare}'";
        }
        return name.Length is > 0 and <= 63 && NamePattern().IsMatch(name)
            ? null
            : $"'{name}' is not a valid name: use {NameRule} (it becomes {SlurmNodeKeys.Prefix}{name})";
    }

    /// <summary>Why <paramref name="value"/> cannot be a label value, or null when it can (empty is allowed).</summary>
    public static string? LabelValueProblem(string value) =>
        value.Length == 0 || (value.Length <= 63 && NamePattern().IsMatch(value))
            ? null
            : $"'{value}' is not a valid label value: use {NameRule}, or nothing";

    /// <summary>Why <paramref name="value"/> cannot be an extended resource's quantity, or null when it can.</summary>
    public static string? QuantityProblem(string value)
    {
        const string Example = "write a whole number, with a suffix if you like (e.g. 24, 2k, 64Gi)";
        if (value.Length == 0)
        {
            return $"no quantity given: {Example}, or remove the key";
        }
        var (amount, problem) = Quantity(value, Example);
        // The API server refuses fractional extended resources ("must be an integer").
        return problem ?? (decimal.Truncate(amount) == amount ? null : $"'{value}' is not a whole number, as extended resources must be: {Example}");
    }

    /// <summary>
    /// The amount a quantity stands for, or why the API server would refuse it (not its grammar, too large, negative);
    /// <paramref name="example"/> ends each problem with what to write instead.
    /// </summary>
    public static (decimal Amount, string? Problem) Quantity(string value, string example)
    {
        // The API server's own grammar; ResourceQuantity alone also accepts things it refuses (e.g. spaces).
        if (!QuantityPattern().IsMatch(value))
        {
            return (0, $"'{value}' is not a Kubernetes quantity: {example}");
        }
        decimal amount;
        try
        {
            amount = new ResourceQuantity(value).ToDecimal();
        }
        catch (FormatException)
        {
            return (0, $"'{value}' is not a Kubernetes quantity: {example}");
        }
        catch (OverflowException)
        {
            return (0, $"'{value}' is too large: {example}");
        }
        return amount < 0 ? (0, $"'{value}' is negative: {example}") : (amount, null);
    }

    /// <summary>Whether two valid quantities are the same amount ("2048Mi" and "2Gi" are).</summary>
    public static bool SameQuantity(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return true;
        }
        try
        {
            return new ResourceQuantity(a).ToDecimal() == new ResourceQuantity(b).ToDecimal();
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")]
    private static partial Regex QuantityPattern();
}
