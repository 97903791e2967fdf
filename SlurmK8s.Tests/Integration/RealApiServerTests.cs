using k8s;
using k8s.Autorest;

namespace SlurmK8s.Tests.Integration;

[Category("Integration")]
internal sealed class RealApiServerTests
{
    [Test]
    public async Task ApiServer_StartsAndServesNamespacedObjects()
    {
        await RealApiServer.EnsureUpAsync();
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client);

        await client.CoreV1.CreateNamespacedConfigMapAsync(new() { Metadata = new() { Name = "probe" }, Data = new Dictionary<string, string> { ["k"] = "v" } }, ns);
        var read = await client.CoreV1.ReadNamespacedConfigMapAsync("probe", ns);

        Assert.That(read.Data["k"], Is.EqualTo("v"));
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("absent", ns));
        Assert.That((int)missing!.Response.StatusCode, Is.EqualTo(404));
    }
}
