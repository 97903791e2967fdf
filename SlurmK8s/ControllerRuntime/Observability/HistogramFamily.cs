using System.Diagnostics.Metrics;
using System.Text;

namespace SlurmK8s.ControllerRuntime.Observability;

/// <summary>A histogram: cumulative <c>_bucket{le=…}</c> counts, <c>_sum</c> and <c>_count</c> per label set.</summary>
internal sealed class HistogramFamily(Instrument instrument, string name, double[] bounds) : MetricFamily(instrument, name, "histogram")
{
    private readonly string[] _boundLabels = bounds.Select(PrometheusText.Number).ToArray();
    private readonly SortedDictionary<string, Series> _series = new(StringComparer.Ordinal);

    protected override void RecordLocked(double value, string labels)
    {
        if (!_series.TryGetValue(labels, out var series))
        {
            series = new Series(bounds.Length + 1);
            _series[labels] = series;
        }
        // The first bound at or above the value (le is "less than or equal"); past the last is the +Inf bucket.
        var index = Array.BinarySearch(bounds, value);
        series.Counts[index >= 0 ? index : ~index]++;
        series.Sum += value;
        series.Count++;
    }

    protected override void Clear() => _series.Clear();

    protected override void WriteSamples(StringBuilder text)
    {
        foreach (var (labels, series) in _series)
        {
            long cumulative = 0;
            for (var i = 0; i <= bounds.Length; i++)
            {
                cumulative += series.Counts[i];
                var le = i < bounds.Length ? _boundLabels[i] : "+Inf";
                text.Append(Name).Append("_bucket").Append(PrometheusText.WithLabel(labels, "le", le)).Append(' ').Append(cumulative).Append('\n');
            }
            text.Append(Name).Append("_sum").Append(labels).Append(' ').Append(PrometheusText.Number(series.Sum)).Append('\n');
            text.Append(Name).Append("_count").Append(labels).Append(' ').Append(series.Count).Append('\n');
        }
    }

    private sealed class Series(int buckets)
    {
        public long[] Counts { get; } = new long[buckets];

        public double Sum { get; set; }

        public long Count { get; set; }
    }
}
