using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace SlurmK8s.ControllerRuntime.Observability;

/// <summary>
/// Listens to the System.Diagnostics.Metrics instruments of the meters it is told to and renders them in the
/// Prometheus text format. Ours because no exporter package fits: prometheus-net 8.2.1 restores with NU1603 warnings
/// (which fail this build) and OpenTelemetry's Prometheus exporter exists only as a beta.
/// Counters, up-down counters, gauges (synchronous and observable) and histograms with bucket advice are exported.
/// </summary>
internal sealed class PrometheusCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, MetricFamily> _families = new();
    private readonly Lock _scrapeGate = new();

    /// <param name="include">Which meters to export, e.g. <c>m => m.Name == OperatorMetrics.MeterName</c>.</param>
    public PrometheusCollector(Func<Meter, bool> include)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (include(instrument.Meter) && MetricFamily.For(instrument) is { } family)
            {
                _families[instrument] = family;
                listener.EnableMeasurementEvents(instrument, family);
            }
        };
        _listener.MeasurementsCompleted = (instrument, state) => _families.TryRemove(instrument, out MetricFamily? _);
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>((_, value, tags, state) => ((MetricFamily)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Asks the observable instruments for their values and renders every family, sorted by name.</summary>
    public string Collect()
    {
        lock (_scrapeGate)
        {
            var families = _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            foreach (var family in families)
            {
                family.BeginObservation();
            }
            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var family in families)
            {
                family.Write(text);
            }
            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();
}
