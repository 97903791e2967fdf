using System.Text.RegularExpressions;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>What the tenancy file's names may be: Kubernetes' rules for namespaces and service accounts, Slurm's for accounts, partitions and QoS.</summary>
internal static partial class TenancyNames
{
    /// <summary>Why <paramref name="name"/> is no namespace (a DNS-1123 label, as Kubernetes requires), or null.</summary>
    public static string? NamespaceProblem(string name) =>
        name.Length is > 0 and <= 63 && LabelPattern().IsMatch(name)
            ? null
            : $"'{Show(name)}' is not a Kubernetes namespace name: use at most 63 lower-case letters, digits or '-', beginning and ending with a letter or digit";

    /// <summary>
    /// Why <paramref name="name"/> is no service account name, or null. Kubernetes takes a DNS-1123 subdomain here
    /// (labels joined by '.'), so `ci.build` is a valid service account though not a valid namespace.
    /// </summary>
    public static string? ServiceAccountProblem(string name) =>
        name.Length is > 0 and <= 253 && SubdomainPattern().IsMatch(name)
            ? null
            : $"'{Show(name)}' is not a Kubernetes service account name: use lower-case letters, digits, '-' and '.', each part beginning and ending with a letter or digit";

    /// <summary>Why <paramref name="name"/> is no tenant name (the same rule as a namespace, so it reads the same in logs), or null.</summary>
    public static string? TenantProblem(string name) =>
        name.Length is > 0 and <= 63 && LabelPattern().IsMatch(name)
            ? null
            : $"'{Show(name)}' is not a valid tenant name: use at most 63 lower-case letters, digits or '-', beginning and ending with a letter or digit";

    /// <summary>
    /// Why <paramref name="name"/> cannot be a Slurm account, partition or QoS name, or null. Only what Slurm's own names
    /// use: nothing a shell, a comma list or an option parser would read differently (hence no leading '-').
    /// </summary>
    public static string? SlurmNameProblem(string name, string what) =>
        name.Length > 0 && SlurmPattern().IsMatch(name)
            ? null
            : $"'{Show(name)}' is not a Slurm {what} name: use letters, digits, '_', '.' or '-', not beginning with '-'";

    /// <summary><paramref name="text"/> fit for a message and a log line: control characters (a newline above all) written as escapes.</summary>
    public static string Show(string text) =>
        text.Any(char.IsControl) ? string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : text;

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z")]
    private static partial Regex LabelPattern();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z")]
    private static partial Regex SubdomainPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.][A-Za-z0-9_.-]*\z")]
    private static partial Regex SlurmPattern();
}
