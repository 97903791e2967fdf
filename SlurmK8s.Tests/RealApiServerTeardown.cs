using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests;

/// <summary>
/// Stops the run's API server after the last test of the run. In the root namespace on purpose: an NUnit
/// set-up fixture only covers tests in its own namespace and below, and API-server tests live in several
/// (Integration, Manifests, …); one in Integration left the server running after the others' runs.
/// </summary>
[SetUpFixture]
internal sealed class RealApiServerTeardown
{
    [OneTimeTearDown]
    public static Task StopAsync() => RealApiServer.StopAsync();
}
