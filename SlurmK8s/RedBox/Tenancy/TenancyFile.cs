using YamlDotNet.Core;
using YamlDotNet.Serialization;
using SlurmK8s.Resourced;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>
/// The tenancy file: who may run Slurm jobs as whom, decided by the submit host's administrator.
/// <code>
/// # /etc/slurmk8s/tenants.yaml — owned by root (or red-box's user), not writable by group or others.
/// minimumUid: 1000          # optional, default 1000: users below it (and root) are refused at load
/// defaultTenant: ""         # optional: the tenant of namespaces not listed (empty: they are refused)
/// tenants:
/// - name: chemistry         # DNS-1123 label, unique
///   user: chem              # Unix user the jobs run as (a name from /etc/passwd); one user per tenant
///   account: chemistry      # Slurm account (--account)
///   partitions: [debug, short]  # partitions it may use; empty/omitted = any; the first is its default
///   qos: []                 # QoS it may use; empty/omitted = any
///   workRoot: /var/lib/slurmk8s/tenants/chemistry   # its jobs' directories live here; owned by `user`
///   namespaces:
///   - namespace: chem       # every service account of namespace chem
///   - namespace: chem-dev
///     serviceAccounts: [ci] # optional: only pods running as these service accounts
/// hostCallers:              # host processes (not in a pod) that may call, by uid, and as which tenant
/// - uid: 0
///   tenant: chemistry
/// </code>
/// A pod maps to the entry naming its namespace and its service account, else to the entry naming its namespace
/// without serviceAccounts, else (only when the file does not name its namespace) to defaultTenant, else it is refused.
/// The whole file is checked before any of it is used: a mistake anywhere refuses the whole file (red-box then keeps
/// the last good one), so no caller is ever mapped by half an edit.
/// manifests/tenants.yaml is a commented example that lists what is refused at load (see <see cref="TenancyValidator"/>).
/// </summary>
internal static class TenancyFile
{
    public const string DefaultPath = "/etc/slurmk8s/tenants.yaml";
    public const uint DefaultMinimumUid = 1000;

    // The static generator fills ONE context per assembly (the last [YamlStaticContext] class it meets) with every
    // [YamlSerializable] type; a second context class would compile, stay empty and throw at run time. So the tenancy
    // types are marked [YamlSerializable] and read through the assembly's one context, resourced's NodeConfigYamlContext.
    private static readonly IDeserializer Deserializer = new StaticDeserializerBuilder(new NodeConfigYamlContext()).WithDuplicateKeyChecking().Build();

    /// <summary>Reads and checks a tenancy file's text; <paramref name="path"/> is only named in messages.</summary>
    /// <param name="redBox">Who red-box runs as, so that no tenant's user can be red-box or reach its socket; null skips those checks.</param>
    /// <exception cref="TenancyFileException">The YAML is malformed, or a field is missing, invalid or in conflict with another.</exception>
    public static TenancyMap Parse(string yaml, string path, IUserDatabase users, RedBoxIdentity? redBox = null)
    {
        TenancyFileYaml? file;
        try
        {
            file = Deserializer.Deserialize<TenancyFileYaml?>(yaml);
        }
        catch (YamlException e)
        {
            // An unknown or repeated key is reported at the key; a value of the wrong shape at the field that holds it.
            var aboutKey = e.Message.Contains("not found on type", StringComparison.Ordinal) || e.Message.StartsWith("Encountered duplicate key ", StringComparison.Ordinal);
            throw new TenancyFileException(path, YamlLocator.FieldAt(yaml, e.Start, innermost: aboutKey), e.Start.Line, DescribeYamlError(e));
        }
        return new TenancyValidator(yaml, path, users, redBox).Validate(file ?? new TenancyFileYaml());
    }

    private static string DescribeYamlError(YamlException e)
    {
        // YamlDotNet words these in .NET terms ("Property 'x' not found on type …"): say them in the file's terms.
        var message = e.InnerException is { } inner ? $"{e.Message}\n{inner.Message}" : e.Message;
        return message switch
        {
            _ when message.Contains("not found on type", StringComparison.Ordinal) && message.Split('\'') is [_, var key, _, var type, ..] =>
                $"unknown key '{key}': {KeysOf(type)}; check its spelling",
            _ when message.StartsWith("Encountered duplicate key ", StringComparison.Ordinal) =>
                $"'{e.Message["Encountered duplicate key ".Length..]}' appears twice in the same map: keep one",
            _ when message.Contains("Expected 'SequenceStart'", StringComparison.Ordinal) || message.Contains("to type 'System.Collections.Generic.List", StringComparison.Ordinal) =>
                "a list belongs here: write [a, b], or one '- item' per line",
            _ when message.Contains("Expected 'MappingStart'", StringComparison.Ordinal) =>
                "a map (key: value lines) belongs here",
            _ when message.Contains("into type System.String", StringComparison.Ordinal) || message.Contains("Expected 'Scalar'", StringComparison.Ordinal) =>
                "a single value belongs here, not a list or a map",
            _ when e is SyntaxErrorException or SemanticErrorException => $"{e.Message.TrimEnd('.')}: the YAML does not parse here; check the indentation (spaces, not tabs), the '-' and ':' and the quoting",
            _ => e.InnerException?.Message ?? message,
        };

        static string KeysOf(string type) => type[(type.LastIndexOf('.') + 1)..] switch
        {
            nameof(TenantYaml) => "a tenant takes only name, user, account, partitions, qos, workRoot and namespaces",
            nameof(NamespaceEntryYaml) => "a namespaces entry takes only namespace and serviceAccounts",
            nameof(HostCallerYaml) => "a hostCallers entry takes only uid and tenant",
            _ => "the file takes only minimumUid, defaultTenant, tenants and hostCallers",
        };
    }
}
