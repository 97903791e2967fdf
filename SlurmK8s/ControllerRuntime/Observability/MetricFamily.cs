using System.Diagnostics.Metrics;
using System.Text;

namespace SlurmK8s.ControllerRuntime.Observability;

/// <summary>One instrument's series as Prometheus sees them: a name, HELP and TYPE, and one sample set per label set.</summary>
internal abstract class MetricFamily(Instrument instrument, string name, string type)
{
    private readonly KeyValuePair<string, object?>[] _instrumentTags = instrument.Tags?.ToArray() ?? [];

    public string Name { get; } = name;

    /// <summary>Observable instruments report their whole state at each scrape: what was not reported this time is gone.</summary>
    public bool IsObservable { get; } = instrument.IsObservable;

    protected object Gate { get; } = new();

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var all = new KeyValuePair<string, object?>[_instrumentTags.Length + tags.Length];
        _instrumentTags.CopyTo(all, 0);
        tags.CopyTo(all.AsSpan(_instrumentTags.Length));
        var labels = PrometheusText.Labels(all);
        lock (Gate)
        {
            RecordLocked(value, labels);
        }
    }

    /// <summary>Called before observable instruments are asked for their values.</summary>
    public void BeginObservation()
    {
        if (IsObservable)
        {
            lock (Gate)
            {
                Clear();
            }
        }
    }

    public void Write(StringBuilder text)
    {
        text.Append("# HELP ").Append(Name).Append(' ');
        PrometheusText.AppendHelp(text, string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description);
        text.Append('\n');
        text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
        lock (Gate)
        {
            WriteSamples(text);
        }
    }

    protected abstract void RecordLocked(double value, string labels);

    protected abstract void Clear();

    protected abstract void WriteSamples(StringBuilder text);

    /// <summary>The family for an instrument, or null for a kind we do not export.</summary>
    public static MetricFamily? For(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }
        var kind = type.GetGenericTypeDefinition();
        if (kind == typeof(Histogram<>))
        {
            return new HistogramFamily(instrument, PrometheusText.MetricName(instrument.Name, instrument.Unit, isCounter: false), HistogramBoundaries(instrument));
        }
        if (kind == typeof(Counter<>) || kind == typeof(ObservableCounter<>))
        {
            return new SampleFamily(instrument, PrometheusText.MetricName(instrument.Name, instrument.Unit, isCounter: true), "counter",
                accumulate: !instrument.IsObservable);
        }
        if (kind == typeof(UpDownCounter<>) || kind == typeof(ObservableUpDownCounter<>) || kind == typeof(Gauge<>) || kind == typeof(ObservableGauge<>))
        {
            return new SampleFamily(instrument, PrometheusText.MetricName(instrument.Name, instrument.Unit, isCounter: false), "gauge",
                accumulate: kind == typeof(UpDownCounter<>));
        }
        return null;
    }

    /// <summary>The bucket bounds the instrument's advice gives, else Prometheus' defaults.</summary>
    private static double[] HistogramBoundaries(Instrument instrument)
    {
        IEnumerable<double>? advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            _ => null,
        };
        var bounds = advised?.Where(b => !double.IsNaN(b) && !double.IsInfinity(b)).Distinct().Order().ToArray();
        return bounds is { Length: > 0 } ? bounds : [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    }
}
