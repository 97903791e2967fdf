using SlurmK8s.ControllerRuntime.LeaderElection;
using SlurmK8s.Kube;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.ControllerRuntime.LeaderElection;

/// <summary>The Lease calls against the real API server: absence, optimistic concurrency, the times' round trip.</summary>
[Category("Integration")]
internal sealed class KubernetesLeaseClientTests
{
    [Test]
    public async Task Lease_CreateReadUpdate_WithOptimisticConcurrency()
    {
        await RealApiServer.EnsureUpAsync();
        using var client = RealApiServer.CreateClient();
        using var kube = RealApiServer.CreateKubeClient();
        var ns = await RealApiServer.NewNamespaceAsync(client, "lease");
        var leases = new KubernetesLeaseClient(kube);
        var acquired = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero).AddTicks(1234560); // microsecond precision (MicroTime)

        var absent = await leases.GetAsync(ns, "l", CancellationToken.None);
        var created = await leases.CreateAsync(ns, "l", new LeaseRecord("a", 15, acquired, acquired, 0), CancellationToken.None);
        var duplicate = await Assert.ThrowsAsync<LeaseConflictException>(() => leases.CreateAsync(ns, "l", new LeaseRecord("b", 15, acquired, acquired, 0), CancellationToken.None));
        var renewed = await leases.UpdateAsync(ns, "l", created with { RenewTime = acquired.AddSeconds(2) }, CancellationToken.None);
        var stale = await Assert.ThrowsAsync<LeaseConflictException>(() => leases.UpdateAsync(ns, "l", created with { HolderIdentity = "b" }, CancellationToken.None));
        var read = await leases.GetAsync(ns, "l", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(absent, Is.Null);
            Assert.That(duplicate, Is.Not.Null);
            Assert.That(stale!.Message, Does.Contain($"resourceVersion {created.ResourceVersion}"));
            Assert.That(created.ResourceVersion, Is.Not.Empty);
            Assert.That(renewed.ResourceVersion, Is.Not.EqualTo(created.ResourceVersion));
            Assert.That(read, Is.EqualTo(new LeaseRecord("a", 15, acquired, acquired.AddSeconds(2), 0, renewed.ResourceVersion)));
        });
    }
}
