using System.Globalization;

namespace SlurmK8s.RedBox.Tenancy;

/// <summary>
/// The tenancy file cannot be used. The message reads `FILE:LINE: FIELD: what is wrong: the fix`, e.g.
/// `/etc/slurmk8s/tenants.yaml:7: tenants[1].user: …`; the line or field is left out where there is none.
/// </summary>
internal sealed class TenancyFileException(string path, string? field, long? line, string problem)
    : Exception(Describe(path, field, line, problem))
{
    public string FilePath { get; } = path;

    /// <summary>Where in the file, e.g. `tenants[1].namespaces[0].namespace` (indexes from 0); null for the whole file.</summary>
    public string? Field { get; } = field;

    /// <summary>1-based.</summary>
    public long? Line { get; } = line;

    public string Problem { get; } = problem;

    private static string Describe(string path, string? field, long? line, string problem) =>
        path + (line is { } l ? ":" + l.ToString(CultureInfo.InvariantCulture) : "") + ": " + (field is null ? "" : field + ": ") + problem;
}
