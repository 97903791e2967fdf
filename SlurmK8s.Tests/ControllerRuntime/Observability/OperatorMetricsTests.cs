using System.Diagnostics;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.ControllerRuntime.Observability;
using SlurmK8s.Operator;

namespace SlurmK8s.Tests.ControllerRuntime.Observability;

internal sealed class OperatorMetricsTests
{
    private OperatorMetrics _metrics = null!;
    private PrometheusCollector _collector = null!;

    [SetUp]
    public void SetUp()
    {
        _metrics = new OperatorMetrics();
        _collector = new PrometheusCollector(m => ReferenceEquals(m, _metrics.Meter));
    }

    [TearDown]
    public void TearDown()
    {
        _collector.Dispose();
        _metrics.Dispose();
    }

    [Test]
    public void RecordReconcile_CountsByResultAndTimesThem()
    {
        _metrics.RecordReconcile(ReconcileResult.Success, TimeSpan.FromMilliseconds(3));
        _metrics.RecordReconcile(ReconcileResult.Success, TimeSpan.FromMilliseconds(40));
        _metrics.RecordReconcile(ReconcileResult.Error, TimeSpan.FromSeconds(2));

        var text = _collector.Collect();

        Assert.That(text, Does.Contain(
            "# HELP slurmk8s_operator_reconciles_total SlurmJob reconcile passes, by result (success, requeue, error)\n" +
            "# TYPE slurmk8s_operator_reconciles_total counter\n" +
            "slurmk8s_operator_reconciles_total{result=\"error\"} 1\n" +
            "slurmk8s_operator_reconciles_total{result=\"success\"} 2\n"));
        Assert.That(text, Does.Contain("# TYPE slurmk8s_operator_reconcile_duration_seconds histogram\n"));
        Assert.That(text, Does.Contain("slurmk8s_operator_reconcile_duration_seconds_bucket{result=\"success\",le=\"0.0025\"} 0\n"));
        Assert.That(text, Does.Contain("slurmk8s_operator_reconcile_duration_seconds_bucket{result=\"success\",le=\"0.005\"} 1\n"));
        Assert.That(text, Does.Contain("slurmk8s_operator_reconcile_duration_seconds_bucket{result=\"success\",le=\"0.05\"} 2\n"));
        Assert.That(text, Does.Contain("slurmk8s_operator_reconcile_duration_seconds_bucket{result=\"error\",le=\"1\"} 0\n"));
        Assert.That(text, Does.Contain("slurmk8s_operator_reconcile_duration_seconds_bucket{result=\"error\",le=\"2.5\"} 1\n"));
        Assert.That(text, Does.Contain("slurmk8s_operator_reconcile_duration_seconds_count{result=\"success\"} 2\n"));
        Assert.That(text, Does.Contain("slurmk8s_operator_reconcile_duration_seconds_sum{result=\"error\"} 2\n"));
    }

    [Test]
    public void WorkQueueDepth_IsReportedByStateWhileAQueueRuns()
    {
        var before = _collector.Collect();
        _metrics.ObserveWorkQueueWith(() => (3, 1));
        var running = _collector.Collect();
        _metrics.ObserveWorkQueueWith(null);

        Assert.That(before, Does.Not.Contain("slurmk8s_operator_workqueue_depth{"));
        Assert.That(running, Does.Contain("slurmk8s_operator_workqueue_depth{state=\"ready\"} 3\n").And.Contain("slurmk8s_operator_workqueue_depth{state=\"waiting\"} 1\n"));
        Assert.That(_collector.Collect(), Does.Not.Contain("slurmk8s_operator_workqueue_depth{"));
    }

    [Test]
    public void Jobs_ReportEveryPhaseWithZeroesFromTheSourceAtEachScrape()
    {
        var counts = new Dictionary<string, int> { [SlurmJobPhase.Running] = 2, [SlurmJobPhase.Failed] = 1 };
        _metrics.ObserveJobsWith(() => counts);

        var first = _collector.Collect();
        counts[SlurmJobPhase.Running] = 0;
        counts[SlurmJobPhase.Succeeded] = 2;
        var second = _collector.Collect();

        Assert.That(first, Does.Contain(
            "# HELP slurmk8s_operator_jobs SlurmJobs the operator sees, by phase\n" +
            "# TYPE slurmk8s_operator_jobs gauge\n" +
            "slurmk8s_operator_jobs{phase=\"Cancelled\"} 0\n" +
            "slurmk8s_operator_jobs{phase=\"Failed\"} 1\n" +
            "slurmk8s_operator_jobs{phase=\"Pending\"} 0\n" +
            "slurmk8s_operator_jobs{phase=\"Running\"} 2\n" +
            "slurmk8s_operator_jobs{phase=\"Submitted\"} 0\n" +
            "slurmk8s_operator_jobs{phase=\"Succeeded\"} 0\n"));
        Assert.That(second, Does.Contain("slurmk8s_operator_jobs{phase=\"Running\"} 0\n"));
        Assert.That(second, Does.Contain("slurmk8s_operator_jobs{phase=\"Succeeded\"} 2\n"));
    }

    [Test]
    public void Jobs_WithoutASource_ReportNothing()
    {
        Assert.That(_collector.Collect(), Does.Not.Contain("slurmk8s_operator_jobs{"));
    }

    [Test]
    public void Leader_FollowsTheSource()
    {
        var leading = false;
        _metrics.ObserveLeadershipWith(() => leading);

        var before = _collector.Collect();
        leading = true;
        var after = _collector.Collect();

        Assert.That(before, Does.Contain("# TYPE slurmk8s_operator_leader gauge\nslurmk8s_operator_leader 0\n"));
        Assert.That(after, Does.Contain("slurmk8s_operator_leader 1\n"));
    }

    /// <summary>Prometheus' own parser (promtool, from Debian's prometheus package) accepts the text.</summary>
    [Test]
    [Category("Integration")]
    public async Task Collect_Text_PassesPromtoolCheckMetrics()
    {
        const string promtool = "/usr/bin/promtool";
        if (!File.Exists(promtool))
        {
            Assert.Ignore("promtool is not installed (apt-get install prometheus)");
        }
        _metrics.ObserveJobsWith(() => new Dictionary<string, int> { [SlurmJobPhase.Running] = 1 });
        _metrics.ObserveLeadershipWith(() => true);
        _metrics.RecordReconcile(ReconcileResult.Requeue, TimeSpan.FromMilliseconds(12));
        var text = _collector.Collect();

        using var check = Process.Start(new ProcessStartInfo(promtool, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await check.StandardInput.WriteAsync(text);
        check.StandardInput.Close();
        var output = await check.StandardOutput.ReadToEndAsync() + await check.StandardError.ReadToEndAsync();
        await check.WaitForExitAsync();

        Assert.That(check.ExitCode, Is.Zero, $"promtool check metrics:\n{output}\n--- text ---\n{text}");
        Assert.That(output, Is.Empty, "promtool found problems (lint)");
    }
}
