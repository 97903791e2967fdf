using System.Diagnostics.Metrics;
using SlurmK8s.ControllerRuntime.Observability;

namespace SlurmK8s.Tests.ControllerRuntime.Observability;

/// <summary>The exposition text, compared whole: names, HELP/TYPE, label escaping, histogram buckets.</summary>
internal sealed class PrometheusCollectorTests
{
    private Meter _meter = null!;
    private PrometheusCollector _collector = null!;

    [SetUp]
    public void SetUp()
    {
        _meter = new Meter("Test." + TestContext.CurrentContext.Test.Name);
        _collector = new PrometheusCollector(m => ReferenceEquals(m, _meter));
    }

    [TearDown]
    public void TearDown()
    {
        _collector.Dispose();
        _meter.Dispose();
    }

    [Test]
    public void Collect_Counter_AddsPerLabelSetAndEndsInTotal()
    {
        var counter = _meter.CreateCounter<long>("app.requests", "{request}", "Requests served");
        counter.Add(2, new KeyValuePair<string, object?>("code", 200));
        counter.Add(1, new KeyValuePair<string, object?>("code", 500));
        counter.Add(3, new KeyValuePair<string, object?>("code", 200));

        Assert.That(_collector.Collect(), Is.EqualTo(
            "# HELP app_requests_total Requests served\n" +
            "# TYPE app_requests_total counter\n" +
            "app_requests_total{code=\"200\"} 5\n" +
            "app_requests_total{code=\"500\"} 1\n"));
    }

    [Test]
    public void Collect_LabelValues_EscapeBackslashQuoteAndNewline()
    {
        var counter = _meter.CreateCounter<int>("odd", null, "Odd labels");
        counter.Add(1, new KeyValuePair<string, object?>("path", "C:\\dir \"x\"\nnext"), new KeyValuePair<string, object?>("9bad-name", "v"));

        Assert.That(_collector.Collect(), Does.Contain("odd_total{_9bad_name=\"v\",path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n"));
    }

    [Test]
    public void Collect_Help_EscapesBackslashAndNewlineButNotQuotes()
    {
        _meter.CreateCounter<int>("h", null, "line one\nsays \"C:\\\"").Add(1);

        Assert.That(_collector.Collect(), Does.StartWith("# HELP h_total line one\\nsays \"C:\\\\\"\n"));
    }

    [Test]
    public void Collect_InstrumentWithoutDescription_UsesItsNameAsHelp()
    {
        _meter.CreateUpDownCounter<int>("queue.depth").Add(1);

        Assert.That(_collector.Collect(), Does.StartWith("# HELP queue_depth queue.depth\n# TYPE queue_depth gauge\n"));
    }

    [Test]
    public void Collect_Histogram_WritesCumulativeBucketsSumAndCount()
    {
        var histogram = _meter.CreateHistogram("work.duration", "s", "How long work took",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1] });
        var tag = new KeyValuePair<string, object?>("kind", "a");
        histogram.Record(0.003, tag);
        histogram.Record(0.1, tag);   // on a bound: counted in it (le = less than or equal)
        histogram.Record(0.02, tag);
        histogram.Record(7, tag);

        Assert.That(_collector.Collect(), Is.EqualTo(
            "# HELP work_duration_seconds How long work took\n" +
            "# TYPE work_duration_seconds histogram\n" +
            "work_duration_seconds_bucket{kind=\"a\",le=\"0.01\"} 1\n" +
            "work_duration_seconds_bucket{kind=\"a\",le=\"0.1\"} 3\n" +
            "work_duration_seconds_bucket{kind=\"a\",le=\"1\"} 3\n" +
            "work_duration_seconds_bucket{kind=\"a\",le=\"+Inf\"} 4\n" +
            "work_duration_seconds_sum{kind=\"a\"} 7.123\n" +
            "work_duration_seconds_count{kind=\"a\"} 4\n"));
    }

    [Test]
    public void Collect_HistogramWithoutAdviceOrLabels_UsesPrometheusDefaultBuckets()
    {
        _meter.CreateHistogram<long>("sizes", "By").Record(3);

        var text = _collector.Collect();

        Assert.That(text, Does.Contain("sizes_bytes_bucket{le=\"0.005\"} 0\n"));
        Assert.That(text, Does.Contain("sizes_bytes_bucket{le=\"2.5\"} 0\nsizes_bytes_bucket{le=\"5\"} 1\n"));
        Assert.That(text, Does.Contain("sizes_bytes_bucket{le=\"+Inf\"} 1\nsizes_bytes_sum 3\nsizes_bytes_count 1\n"));
    }

    [Test]
    public void Collect_ObservableGauge_ReportsOnlyWhatTheCallbackReportsNow()
    {
        var reported = new List<Measurement<int>> { new(3, new KeyValuePair<string, object?>("phase", "Running")), new(1, new KeyValuePair<string, object?>("phase", "Failed")) };
        _meter.CreateObservableGauge("jobs", () => reported.ToArray(), "{job}", "Jobs");

        var first = _collector.Collect();
        reported.RemoveAt(1);
        var second = _collector.Collect();

        Assert.That(first, Does.Contain("jobs{phase=\"Failed\"} 1\njobs{phase=\"Running\"} 3\n"));
        Assert.That(second, Does.Contain("jobs{phase=\"Running\"} 3\n"));
        Assert.That(second, Does.Not.Contain("Failed"));
    }

    [Test]
    public void Collect_ObservableCounter_ReportsTheCumulativeValueItIsGiven()
    {
        var total = 10L;
        _meter.CreateObservableCounter("bytes.read", () => total, "By");

        _ = _collector.Collect();
        total = 25;

        Assert.That(_collector.Collect(), Does.Contain("bytes_read_bytes_total 25\n"));
    }

    [Test]
    public void Collect_UpDownCounterAddsAndGaugeReplaces()
    {
        var inFlight = _meter.CreateUpDownCounter<int>("in.flight");
        var temperature = _meter.CreateGauge<double>("temperature");
        inFlight.Add(3);
        inFlight.Add(-1);
        temperature.Record(20.5);
        temperature.Record(1e-5);

        var text = _collector.Collect();

        Assert.That(text, Does.Contain("# TYPE in_flight gauge\nin_flight 2\n"));
        Assert.That(text, Does.Contain("# TYPE temperature gauge\ntemperature 1E-05\n"));
    }

    [Test]
    public void Collect_SpecialValues_UsePrometheusSpelling()
    {
        var gauge = _meter.CreateGauge<double>("g");
        gauge.Record(double.PositiveInfinity, new KeyValuePair<string, object?>("v", "p"));
        gauge.Record(double.NegativeInfinity, new KeyValuePair<string, object?>("v", "n"));
        gauge.Record(double.NaN, new KeyValuePair<string, object?>("v", "x"));

        Assert.That(_collector.Collect(), Does.Contain("g{v=\"n\"} -Inf\ng{v=\"p\"} +Inf\ng{v=\"x\"} NaN\n"));
    }

    [Test]
    public void Collect_OtherMeters_AreNotExported()
    {
        using var other = new Meter("Not.Ours");
        other.CreateCounter<int>("foreign").Add(1);
        _meter.CreateCounter<int>("ours").Add(1);

        var text = _collector.Collect();

        Assert.That(text, Does.Contain("ours_total 1"));
        Assert.That(text, Does.Not.Contain("foreign"));
    }

    [Test]
    public void Collect_FamiliesAreSortedByName()
    {
        _meter.CreateCounter<int>("zeta").Add(1);
        _meter.CreateCounter<int>("alpha").Add(1);

        var text = _collector.Collect();

        Assert.That(text.IndexOf("alpha_total", StringComparison.Ordinal), Is.LessThan(text.IndexOf("zeta_total", StringComparison.Ordinal)));
    }

    [Test]
    public void Collect_DisposedMeter_DisappearsFromTheText()
    {
        var counter = _meter.CreateCounter<int>("gone");
        counter.Add(1);
        _meter.Dispose();

        Assert.That(_collector.Collect(), Is.Empty);
    }
}
