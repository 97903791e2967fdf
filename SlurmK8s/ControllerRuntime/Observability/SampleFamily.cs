using System.Diagnostics.Metrics;
using System.Text;

namespace SlurmK8s.ControllerRuntime.Observability;

/// <summary>A counter or gauge: one value per label set, added to (Counter, UpDownCounter) or replaced (gauges, observables).</summary>
internal sealed class SampleFamily(Instrument instrument, string name, string type, bool accumulate) : MetricFamily(instrument, name, type)
{
    private readonly SortedDictionary<string, double> _values = new(StringComparer.Ordinal);

    protected override void RecordLocked(double value, string labels) =>
        _values[labels] = accumulate ? _values.GetValueOrDefault(labels) + value : value;

    protected override void Clear() => _values.Clear();

    protected override void WriteSamples(StringBuilder text)
    {
        foreach (var (labels, value) in _values)
        {
            text.Append(Name).Append(labels).Append(' ').Append(PrometheusText.Number(value)).Append('\n');
        }
    }
}
