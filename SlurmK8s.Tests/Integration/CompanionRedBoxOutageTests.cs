using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Cli;
using SlurmK8s.Companion;
using SlurmK8s.RedBoxClient;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// A companion session (the fake API server holds its SlurmJob) following a real Slurm job through a real red-box on a
/// socket in a directory of its own, while that red-box is killed and started again on the same path: what a companion
/// pod that mounts the socket's directory lives through when red-box restarts on its node.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class CompanionRedBoxOutageTests
{
    private const string Namespace = "ns";
    private const string Name = "bumpy";
    private const string Node = "node-1";

    private TempDirectory _dir = null!;
    private InProcessRedBox _redBox = null!;
    private CapturedOutput _output = null!;

    private string RedBoxDirectory => _dir.Combine("redbox");

    [OneTimeSetUp]
    public Task SlurmIsUp() => RealSlurm.EnsureUpAsync();

    [SetUp]
    public async Task SetUp()
    {
        _dir = new TempDirectory("slurmk8s-outage-");
        _redBox = await InProcessRedBox.StartAsync(RedBoxDirectory);
        _output = new CapturedOutput();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _redBox.DisposeAsync();
        _output.Dispose();
        _dir.Dispose();
    }

    [Test]
    public async Task Session_RedBoxKilledAndBackTwoSecondsLater_ReattachesOutputCompleteOnceInOrderAndFinishes()
    {
        var (kube, slurmJob) = Kube("#!/bin/sh\necho one\nsleep 1\necho two\nsleep 5\necho three\n");
        using var connection = RedBoxConnection.Connect(_redBox.Options.SocketPath);
        using var session = Session(connection, kube, outageAfter: TimeSpan.FromSeconds(60));
        var run = session.RunAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => _output.Text == "one\n", "the first line, live", TimeSpan.FromSeconds(30));

        await _redBox.CrashAsync();
        await Task.Delay(TimeSpan.FromSeconds(2)); // "two" is written meanwhile
        _redBox = await InProcessRedBox.StartAsync(RedBoxDirectory);
        var restarted = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => _output.Text.Contains("two", StringComparison.Ordinal), "the output resumes", TimeSpan.FromSeconds(10));
        var resumed = restarted.Elapsed;

        Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(ExitCodes.Success));
        await TestContext.Progress.WriteLineAsync($"output resumed {resumed.TotalMilliseconds:F0} ms after red-box listened again");
        Assert.That(resumed, Is.LessThan(TimeSpan.FromSeconds(3)), "found again within a second or two");
        Assert.That(_output.Text, Is.EqualTo("one\ntwo\nthree\n"), "nothing repeated, nothing lost");
        var status = kube.StoredSlurmJob(Namespace, Name)!.Status!;
        Assert.That((status.Slurm?.State, status.Slurm?.ExitCode, status.Companion?.Outage), Is.EqualTo(((JobState?)JobState.Completed, (int?)0, (Outage?)null)));
        Assert.That(await RealSlurm.JobsWithKeyAsync(slurmJob.Metadata.Uid), Is.EqualTo(1), "re-attached: no second Slurm job");
    }

    [Test]
    public async Task Session_RedBoxDownLongerThanTheThreshold_ReportsTheOutageThenClearsItWhenRedBoxIsBack()
    {
        var (kube, slurmJob) = Kube("#!/bin/sh\necho before\nsleep 8\necho after\n");
        using var connection = RedBoxConnection.Connect(_redBox.Options.SocketPath);
        using var session = Session(connection, kube, outageAfter: TimeSpan.FromSeconds(1));
        var run = session.RunAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => _output.Text == "before\n", "the first line, live", TimeSpan.FromSeconds(30));

        var killed = DateTime.UtcNow;
        await _redBox.CrashAsync();
        await Eventually.TrueAsync(() => kube.StoredSlurmJob(Namespace, Name)!.Status!.Companion?.Outage is not null, "the outage is reported",
            TimeSpan.FromSeconds(10));
        var outage = kube.StoredSlurmJob(Namespace, Name)!.Status!.Companion!.Outage!;
        var reported = DateTime.UtcNow - killed;
        _redBox = await InProcessRedBox.StartAsync(RedBoxDirectory);
        var restarted = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => kube.StoredSlurmJob(Namespace, Name)!.Status!.Companion?.Outage is null, "cleared once red-box answers",
            TimeSpan.FromSeconds(10));
        var cleared = restarted.Elapsed;

        Assert.That(await run.WaitAsync(TimeSpan.FromSeconds(60)), Is.EqualTo(ExitCodes.Success));
        await TestContext.Progress.WriteLineAsync($"outage reported {reported.TotalMilliseconds:F0} ms after the kill (threshold 1 s); cleared {cleared.TotalMilliseconds:F0} ms after red-box listened again");
        Assert.That(outage.Component, Is.EqualTo(OutageComponent.RedBox));
        Assert.That(outage.Where, Is.EqualTo($"red-box's socket {_redBox.Options.SocketPath} on node {Node}"));
        Assert.That(outage.Since, Is.EqualTo(killed).Within(TimeSpan.FromSeconds(1)), "since the first failed attempt");
        Assert.That(outage.Message, Does.Contain(_redBox.Options.SocketPath));
        Assert.That(cleared, Is.LessThan(TimeSpan.FromSeconds(3)));
        Assert.That(_output.Text, Is.EqualTo("before\nafter\n"));
        Assert.That(kube.StoredSlurmJob(Namespace, Name)!.Status!.Slurm?.State, Is.EqualTo(JobState.Completed));
        Assert.That(await RealSlurm.JobsWithKeyAsync(slurmJob.Metadata.Uid), Is.EqualTo(1));
    }

    private static (FakeKubeApi Kube, SlurmJob SlurmJob) Kube(string batch)
    {
        var kube = new FakeKubeApi();
        var slurmJob = kube.AddSlurmJob(new SlurmJob
        {
            Metadata = new() { Name = Name, NamespaceProperty = Namespace },
            Spec = new SlurmJobSpec { Batch = batch },
        });
        return (kube, slurmJob);
    }

    private CompanionSession Session(RedBoxConnection connection, FakeKubeApi kube, TimeSpan outageAfter) => new(connection.RedBox, kube,
        new CompanionOptions
        {
            Namespace = Namespace, SlurmJobName = Name, PodName = Name + "-job", SocketPath = connection.SocketPath, NodeName = Node,
            OutageAfter = outageAfter,
        },
        _output, NullLoggerFactory.Instance);
}
