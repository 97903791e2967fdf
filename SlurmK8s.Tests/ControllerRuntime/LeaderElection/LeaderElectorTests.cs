using System.Diagnostics;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.ControllerRuntime.LeaderElection;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.ControllerRuntime.LeaderElection;

/// <summary>Two electors on one Lease of the real API server.</summary>
[Category("Integration")]
internal sealed class LeaderElectorTests
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RenewDeadline = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromMilliseconds(250);
    private const string LeaseName = "slurmk8s-operator";

    private Kubernetes _client = null!;
    private KubeClient _kubeClient = null!;
    private string _namespace = null!;
    private LeadershipTracker _tracker = null!;
    private readonly List<Contender> _contenders = [];

    [SetUp]
    public async Task SetUp()
    {
        await RealApiServer.EnsureUpAsync();
        _client = RealApiServer.CreateClient();
        _kubeClient = RealApiServer.CreateKubeClient();
        _namespace = await RealApiServer.NewNamespaceAsync(_client, "lease");
        _tracker = new LeadershipTracker();
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var contender in _contenders)
        {
            await contender.StopAsync();
        }
        _client.Dispose();
        _kubeClient.Dispose();
    }

    [Test]
    public async Task TwoElectors_OneLease_ExactlyOneLeadsAndTheLeaseNamesIt()
    {
        var a = Start("replica-a");
        var b = Start("replica-b");

        var leader = await _tracker.WaitForLeaderAsync(TimeSpan.FromSeconds(10));
        var first = await ReadLeaseAsync();
        // Watch for two lease durations: the leader must keep renewing, the other must keep waiting.
        var watchUntil = Stopwatch.GetTimestamp() + (long)(2 * LeaseDuration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < watchUntil)
        {
            Assert.That(a.Elector.IsLeader && b.Elector.IsLeader, Is.False, "both electors lead at once");
            await Task.Delay(50);
        }
        var later = await ReadLeaseAsync();

        Assert.Multiple(() =>
        {
            Assert.That(_tracker.MaxConcurrent, Is.EqualTo(1), _tracker.ToString());
            Assert.That(_tracker.Entries, Is.EqualTo(1), $"leadership changed hands while nobody stopped: {_tracker}");
            Assert.That(new[] { a, b }.Count(c => c.Elector.IsLeader), Is.EqualTo(1));
            Assert.That(later.Spec.HolderIdentity, Is.EqualTo(leader));
            Assert.That(later.Spec.LeaseDurationSeconds, Is.EqualTo(3));
            Assert.That(later.Spec.LeaseTransitions, Is.Zero);
            Assert.That(later.Spec.RenewTime, Is.GreaterThan(first.Spec.RenewTime!.Value), "the leader did not renew");
            Assert.That(later.Spec.AcquireTime, Is.EqualTo(first.Spec.AcquireTime));
            Assert.That((a.Elector.IsLeader ? b : a).Elector.ObservedHolder, Is.EqualTo(leader));
        });
    }

    [Test]
    public async Task LeaderCancelled_ReleasesAndTheOtherTakesOverAtOnce()
    {
        var a = Start("replica-a");
        await _tracker.WaitForLeaderAsync(TimeSpan.FromSeconds(10), "replica-a");
        var b = Start("replica-b");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.That(b.Elector.IsLeader, Is.False);

        var cancelledAt = Stopwatch.GetTimestamp();
        var end = await a.StopAsync();
        await _tracker.WaitForLeaderAsync(LeaseDuration, "replica-b");
        var takeover = Stopwatch.GetElapsedTime(cancelledAt);
        var lease = await ReadLeaseAsync();

        Assert.Multiple(() =>
        {
            Assert.That(end, Is.EqualTo(LeadershipEnd.Cancelled));
            Assert.That(takeover, Is.LessThan(LeaseDuration), "the released lease was not taken over before it would have expired");
            Assert.That(_tracker.ExitedAt("replica-a"), Is.LessThan(_tracker.EnteredAt("replica-b")!.Value), _tracker.ToString());
            Assert.That(_tracker.MaxConcurrent, Is.EqualTo(1), _tracker.ToString());
            Assert.That(lease.Spec.HolderIdentity, Is.EqualTo("replica-b"));
            Assert.That(lease.Spec.LeaseTransitions, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task LeaderStopsRenewing_StopsActingBeforeTheOtherTakesOverWhenTheLeaseExpires()
    {
        var partitionable = new PartitionableLeaseClient(new KubernetesLeaseClient(_kubeClient));
        var a = Start("replica-a", partitionable);
        await _tracker.WaitForLeaderAsync(TimeSpan.FromSeconds(10), "replica-a");
        var b = Start("replica-b");
        await Task.Delay(TimeSpan.FromSeconds(1));

        var partitionedAt = Stopwatch.GetTimestamp();
        partitionable.Partitioned = true;
        var end = await a.Run.WaitAsync(TimeSpan.FromSeconds(10));
        var lostAfter = Stopwatch.GetElapsedTime(partitionedAt);
        await _tracker.WaitForLeaderAsync(LeaseDuration + TimeSpan.FromSeconds(3), "replica-b");
        var takeover = Stopwatch.GetElapsedTime(partitionedAt);
        var lease = await ReadLeaseAsync();

        Assert.Multiple(() =>
        {
            Assert.That(end, Is.EqualTo(LeadershipEnd.Lost));
            Assert.That(lostAfter, Is.LessThanOrEqualTo(RenewDeadline + TimeSpan.FromMilliseconds(500)), "the cut-off leader kept acting past its renew deadline");
            // b waits for the lease to expire: a duration after it last saw a renewal (at most a retry period before the cut).
            Assert.That(takeover, Is.GreaterThanOrEqualTo(LeaseDuration - RetryPeriod - TimeSpan.FromMilliseconds(300)), "taken over before the lease expired");
            Assert.That(takeover, Is.LessThanOrEqualTo(LeaseDuration + TimeSpan.FromSeconds(1.5)), "not taken over within the lease duration");
            Assert.That(_tracker.ExitedAt("replica-a"), Is.LessThan(_tracker.EnteredAt("replica-b")!.Value), _tracker.ToString());
            Assert.That(_tracker.MaxConcurrent, Is.EqualTo(1), _tracker.ToString());
            Assert.That(a.Elector.IsLeader, Is.False);
            Assert.That(lease.Spec.HolderIdentity, Is.EqualTo("replica-b"));
            Assert.That(lease.Spec.LeaseTransitions, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task LeaderGoneWithoutRelease_OtherTakesOverOnlyOnceTheLeaseExpires()
    {
        var a = Start("replica-a", releaseOnCancel: false);
        await _tracker.WaitForLeaderAsync(TimeSpan.FromSeconds(10), "replica-a");
        var b = Start("replica-b");
        await Task.Delay(TimeSpan.FromSeconds(1));

        var goneAt = Stopwatch.GetTimestamp();
        await a.StopAsync();
        await Task.Delay(LeaseDuration / 2);
        var meanwhile = await ReadLeaseAsync();
        var leaderMeanwhile = b.Elector.IsLeader;
        await _tracker.WaitForLeaderAsync(LeaseDuration + TimeSpan.FromSeconds(3), "replica-b");
        var takeover = Stopwatch.GetElapsedTime(goneAt);

        Assert.Multiple(() =>
        {
            Assert.That(meanwhile.Spec.HolderIdentity, Is.EqualTo("replica-a"), "the lease was released though ReleaseOnCancel is off");
            Assert.That(leaderMeanwhile, Is.False, "b took over an unexpired lease");
            Assert.That(takeover, Is.GreaterThanOrEqualTo(LeaseDuration - RetryPeriod - TimeSpan.FromMilliseconds(300)));
            Assert.That(takeover, Is.LessThanOrEqualTo(LeaseDuration + TimeSpan.FromSeconds(1.5)));
        });
    }

    [Test]
    public async Task WorkThatReturns_EndsLeadershipAndReleasesTheLease()
    {
        var elector = NewElector("replica-a", new KubernetesLeaseClient(_kubeClient), releaseOnCancel: true);

        var end = await elector.RunAsync(_ => Task.CompletedTask, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var lease = await ReadLeaseAsync();

        Assert.That(end, Is.EqualTo(LeadershipEnd.WorkCompleted));
        Assert.That(lease.Spec.HolderIdentity, Is.Empty);
        Assert.That(lease.Spec.LeaseDurationSeconds, Is.EqualTo(1));
    }

    [Test]
    public async Task WorkThatThrows_ReleasesTheLeaseAndRethrows()
    {
        var elector = NewElector("replica-a", new KubernetesLeaseClient(_kubeClient), releaseOnCancel: true);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            elector.RunAsync(_ => throw new InvalidOperationException("controller crashed"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        var lease = await ReadLeaseAsync();

        Assert.That(error!.Message, Is.EqualTo("controller crashed"));
        Assert.That(lease.Spec.HolderIdentity, Is.Empty);
    }

    [Test]
    public async Task CancelledBeforeLeading_ReturnsCancelledWithoutTouchingTheOthersLease()
    {
        Start("replica-a");
        await _tracker.WaitForLeaderAsync(TimeSpan.FromSeconds(10), "replica-a");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var ran = false;

        var end = await NewElector("replica-b", new KubernetesLeaseClient(_kubeClient), releaseOnCancel: true)
            .RunAsync(_ => { ran = true; return Task.CompletedTask; }, cancel.Token);
        var lease = await ReadLeaseAsync();

        Assert.That(end, Is.EqualTo(LeadershipEnd.Cancelled));
        Assert.That(ran, Is.False);
        Assert.That(lease.Spec.HolderIdentity, Is.EqualTo("replica-a"));
    }

    private Contender Start(string identity, ILeaseClient? leases = null, bool releaseOnCancel = true)
    {
        var elector = NewElector(identity, leases ?? new KubernetesLeaseClient(_kubeClient), releaseOnCancel);
        var cancel = new CancellationTokenSource();
        var contender = new Contender(elector, cancel, elector.RunAsync(t => _tracker.WorkAsync(identity, t), cancel.Token));
        _contenders.Add(contender);
        return contender;
    }

    private LeaderElector NewElector(string identity, ILeaseClient leases, bool releaseOnCancel) =>
        new(leases, new LeaderElectionOptions
        {
            Namespace = _namespace,
            LeaseName = LeaseName,
            Identity = identity,
            LeaseDuration = LeaseDuration,
            RenewDeadline = RenewDeadline,
            RetryPeriod = RetryPeriod,
            ReleaseOnCancel = releaseOnCancel,
        }, NullLogger<LeaderElector>.Instance);

    private Task<k8s.Models.V1Lease> ReadLeaseAsync() => _client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, _namespace);

    private sealed record Contender(LeaderElector Elector, CancellationTokenSource Cancel, Task<LeadershipEnd> Run)
    {
        public async Task<LeadershipEnd> StopAsync()
        {
            await Cancel.CancelAsync();
            return await Run.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
