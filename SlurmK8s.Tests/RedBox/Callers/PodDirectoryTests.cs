using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.RedBox.Callers;

internal sealed class PodDirectoryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private const string UidA = "0a1b2c3d-0000-4000-8000-00000000000a";
    private const string UidB = "0a1b2c3d-0000-4000-8000-00000000000b";

    private FakeWatchSource<V1Pod> _source = null!;
    private CancellationTokenSource _stop = null!;

    [SetUp]
    public void SetUp()
    {
        _source = new FakeWatchSource<V1Pod>();
        _stop = new CancellationTokenSource();
    }

    [TearDown]
    public void TearDown()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    [Test]
    public async Task FindAsync_WhenThePodIsListed_ReturnsItsIdentityWithTheOwningSlurmJob()
    {
        _source.SetList("10", Pod("team-b", "x-job", UidA, "runner", SlurmJobOwner("x", "51ab0000-0000-4000-8000-000000000001")));
        var directory = await StartAsync();

        var pod = await directory.FindAsync(UidA, CancellationToken.None);

        Assert.That(pod, Is.EqualTo(new PodIdentity("team-b", "x-job", UidA, "runner", "x", "51ab0000-0000-4000-8000-000000000001")));
        Assert.That(directory.HasSynced);
    }

    [Test]
    public async Task FindAsync_WhenThePodArrivesWhileItWaits_ReturnsIt()
    {
        _source.SetList("10");
        var directory = await StartAsync(patience: TimeSpan.FromSeconds(30));
        var watch = await _source.NextWatchAsync();

        var lookup = directory.FindAsync(UidA, CancellationToken.None);
        await Task.Delay(50);
        Assert.That(lookup.IsCompleted, Is.False);
        watch.Send(WatchEventType.Added, Pod("team-b", "other", UidB), "11");
        watch.Send(WatchEventType.Added, Pod("team-b", "x-job", UidA), "12");

        Assert.That((await lookup.WaitAsync(Patience))?.Name, Is.EqualTo("x-job"));
    }

    [Test]
    public async Task FindAsync_WhenNoSuchPodComesWithinItsPatience_ReturnsNull()
    {
        _source.SetList("10", Pod("team-b", "x-job", UidA));
        var directory = await StartAsync(patience: TimeSpan.FromMilliseconds(100));

        Assert.That(await directory.FindAsync(UidB, CancellationToken.None).WaitAsync(Patience), Is.Null);
    }

    [Test]
    public async Task FindAsync_APodThatNeverAppearsAskingAgainAndAgain_IsNeverFoundAndCostsOneWaitPerPatience()
    {
        // Attack: a process in a pod red-box does not know opens connection after connection.
        var clock = new ManualTimeProvider();
        _source.SetList("10", Pod("team-b", "x-job", UidA));
        var directory = new PodDirectory(_source, "node-1", NullLogger.Instance, Patience, time: clock);
        _ = directory.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => directory.HasSynced);
        var watch = await _source.NextWatchAsync();

        var first = directory.FindAsync(UidB, CancellationToken.None);
        Assert.That(first.IsCompleted, Is.False, "the first lookup waits for the watch");
        clock.Advance(Patience);
        Assert.That(await first.WaitAsync(Patience), Is.Null);

        var again = Enumerable.Range(0, 50).Select(_ => directory.FindAsync(UidB, CancellationToken.None)).ToList();
        Assert.That(again.All(t => t.IsCompletedSuccessfully && t.Result is null), "refused at once, without a wait each");
        Assert.That((await directory.FindAsync(UidA, CancellationToken.None))?.Uid, Is.EqualTo(UidA), "other pods are unaffected");
        clock.Advance(Patience);
        var later = directory.FindAsync(UidB, CancellationToken.None);
        Assert.That(later.IsCompleted, Is.False, "a patience later it is waited for again");

        watch.Send(WatchEventType.Added, Pod("team-b", "late-job", UidB), "11");
        Assert.That((await later.WaitAsync(Patience))?.Name, Is.EqualTo("late-job"), "a pod that does come is found");
    }

    [Test]
    public async Task FindAsync_AfterThePodIsDeleted_ReturnsNull()
    {
        _source.SetList("10", Pod("team-b", "x-job", UidA));
        var directory = await StartAsync(patience: TimeSpan.FromMilliseconds(50));
        var watch = await _source.NextWatchAsync();

        watch.Send(WatchEventType.Deleted, Pod("team-b", "x-job", UidA), "11");

        await Eventually.TrueAsync(() => directory.FindAsync(UidA, CancellationToken.None).ContinueWith(t => t.Result is null, TaskScheduler.Default));
    }

    [Test]
    public async Task FindAsync_WhenAPodIsRecreatedUnderTheSameNameWhileNoWatchLooked_KnowsOnlyTheNewUid()
    {
        _source.SetList("10", Pod("team-b", "x-job", UidA));
        var directory = await StartAsync(patience: TimeSpan.FromMilliseconds(50));
        var watch = await _source.NextWatchAsync();

        // The relist after 410 reports only the new pod under the old key.
        _source.SetList("20", Pod("team-b", "x-job", UidB));
        watch.Fail(new KubeApiException(410, "Expired", "too old resource version"));

        Assert.That((await directory.FindAsync(UidB, CancellationToken.None).WaitAsync(Patience))?.Uid, Is.EqualTo(UidB));
        Assert.That(await directory.FindAsync(UidA, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task FindAsync_WhenTheLookupIsCancelled_Throws()
    {
        _source.SetList("10");
        var directory = await StartAsync(patience: TimeSpan.FromMinutes(1));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        Assert.That(async () => await directory.FindAsync(UidA, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task HasSynced_BeforeTheFirstList_IsFalseAndLookupsWaitOnlyTheirPatience()
    {
        _source.OnList = () => new HttpRequestException("connection refused");
        var directory = new PodDirectory(_source, "node-1", NullLogger.Instance, TimeSpan.FromMilliseconds(50));
        _ = directory.RunAsync(_stop.Token);

        Assert.That(await directory.FindAsync(UidA, CancellationToken.None).WaitAsync(Patience), Is.Null);
        Assert.That(directory.HasSynced, Is.False);
    }

    private static IEnumerable<TestCaseData> OwnerCases()
    {
        yield return new TestCaseData(SlurmJobOwner("x", "u1"), "x").SetArgDisplayNames("controller SlurmJob");
        yield return new TestCaseData(Owner(SlurmJob.ApiVersionName, SlurmJob.KindName, "x", "u1", controller: false), null)
            .SetArgDisplayNames("SlurmJob owner that is not the controller");
        yield return new TestCaseData(Owner("slurm.example.com/v1alpha1", SlurmJob.KindName, "x", "u1", controller: true), null)
            .SetArgDisplayNames("a SlurmJob kind of another group");
        yield return new TestCaseData(Owner("batch/v1", "Job", "x", "u1", controller: true), null).SetArgDisplayNames("a batch Job");
        yield return new TestCaseData(null, null).SetArgDisplayNames("no owner");
        // Written by whoever made the pod, unchecked by the API server: nothing that would lead its directory elsewhere.
        yield return new TestCaseData(Owner(SlurmJob.ApiVersionName, SlurmJob.KindName, "x", "../../../etc", controller: true), null)
            .SetArgDisplayNames("a UID with a path in it");
        yield return new TestCaseData(Owner(SlurmJob.ApiVersionName, SlurmJob.KindName, "../x", "u1", controller: true), null)
            .SetArgDisplayNames("a name with a path in it");
    }

    [TestCaseSource(nameof(OwnerCases))]
    public void Of_TakesTheSlurmJobOnlyFromTheControllerOwnerOfOurKind(V1OwnerReference? owner, string? slurmJob)
    {
        var identity = PodIdentity.Of(Pod("team-b", "x-job", UidA, owner: owner));

        Assert.That(identity?.SlurmJobName, Is.EqualTo(slurmJob));
        Assert.That(identity?.SlurmJobUid, Is.EqualTo(slurmJob is null ? null : "u1"));
    }

    [Test]
    public void Of_WhenThePodNamesNoServiceAccount_IsTheDefaultOne()
    {
        Assert.That(PodIdentity.Of(Pod("team-b", "x-job", UidA, serviceAccount: null))?.ServiceAccount, Is.EqualTo("default"));
    }

    [Test]
    public void Of_WhenThePodHasNoUid_IsNull()
    {
        Assert.That(PodIdentity.Of(Pod("team-b", "x-job", uid: "")), Is.Null);
    }

    private async Task<PodDirectory> StartAsync(TimeSpan? patience = null)
    {
        var directory = new PodDirectory(_source, "node-1", NullLogger.Instance, patience);
        _ = directory.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => directory.HasSynced);
        return directory;
    }

    private static V1OwnerReference SlurmJobOwner(string name, string uid) => Owner(SlurmJob.ApiVersionName, SlurmJob.KindName, name, uid, controller: true);

    private static V1OwnerReference Owner(string apiVersion, string kind, string name, string uid, bool controller) =>
        new() { ApiVersion = apiVersion, Kind = kind, Name = name, Uid = uid, Controller = controller, BlockOwnerDeletion = controller };

    internal static V1Pod Pod(string namespaceName, string name, string uid, string? serviceAccount = "default", V1OwnerReference? owner = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            NamespaceProperty = namespaceName,
            Name = name,
            Uid = uid,
            OwnerReferences = owner is null ? null : [owner],
        },
        Spec = new V1PodSpec { ServiceAccountName = serviceAccount, NodeName = "node-1" },
    };
}
