using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.Kube;

/// <summary>
/// Stops the run's API server after the tests of this namespace: NUnit scopes a [SetUpFixture] to its namespace,
/// so the one in SlurmK8s.Tests.Integration does not cover these. (Stopping twice is harmless; a later test that
/// needs the server starts it again.)
/// </summary>
[SetUpFixture]
internal sealed class ApiServerTeardown
{
    [OneTimeTearDown]
    public static Task StopAsync() => RealApiServer.StopAsync();
}
