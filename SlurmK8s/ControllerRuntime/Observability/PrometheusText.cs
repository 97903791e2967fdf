using System.Globalization;
using System.Text;

namespace SlurmK8s.ControllerRuntime.Observability;

/// <summary>The Prometheus text exposition format (0.0.4): names, escaping and numbers.</summary>
internal static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// A metric name from an instrument's name and unit, the way OpenTelemetry's Prometheus exporter forms it:
    /// invalid characters become '_', the unit becomes a suffix (s → _seconds, By → _bytes; {annotations} add nothing),
    /// and counters end in _total.
    /// </summary>
    public static string MetricName(string instrumentName, string? unit, bool isCounter)
    {
        var name = Sanitize(instrumentName, allowColon: true);
        var suffix = unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "1" => "ratio",
            _ => null,
        };
        if (suffix is not null && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            name += "_" + suffix;
        }
        if (isCounter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }
        return name;
    }

    /// <summary>A label name: [a-zA-Z_][a-zA-Z0-9_]*.</summary>
    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    /// <summary>A label value inside double quotes: backslash, double quote and line feed escaped.</summary>
    public static void AppendLabelValue(StringBuilder text, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
    }

    /// <summary>HELP text: backslash and line feed escaped (double quotes stay as they are).</summary>
    public static void AppendHelp(StringBuilder text, string help)
    {
        foreach (var c in help)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
    }

    /// <summary>A sample value: shortest round-trip form, "+Inf", "-Inf" or "NaN".</summary>
    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Tags as a label text <c>{a="x",b="y"}</c>, sorted by name (empty when there are none); a tag value is formatted invariantly.</summary>
    public static string Labels(IEnumerable<KeyValuePair<string, object?>> tags)
    {
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            var name = LabelName(key);
            // "__" names are reserved for Prometheus itself; "le" is the histogram's own.
            if (!name.StartsWith("__", StringComparison.Ordinal) && name != "le")
            {
                sorted[name] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            }
        }
        if (sorted.Count == 0)
        {
            return "";
        }
        var text = new StringBuilder("{");
        foreach (var (name, value) in sorted)
        {
            if (text.Length > 1)
            {
                text.Append(',');
            }
            text.Append(name).Append("=\"");
            AppendLabelValue(text, value);
            text.Append('"');
        }
        return text.Append('}').ToString();
    }

    /// <summary>Adds one more label to a label text made by <see cref="Labels"/> (the histogram's le).</summary>
    public static string WithLabel(string labels, string name, string value)
    {
        var text = new StringBuilder();
        text.Append(labels.Length == 0 ? "{" : labels[..^1] + ",");
        text.Append(name).Append("=\"");
        AppendLabelValue(text, value);
        return text.Append("\"}").ToString();
    }

    private static string Sanitize(string name, bool allowColon)
    {
        var text = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }
        if (text.Length == 0 || char.IsAsciiDigit(text[0]))
        {
            text.Insert(0, '_');
        }
        return text.ToString();
    }
}
