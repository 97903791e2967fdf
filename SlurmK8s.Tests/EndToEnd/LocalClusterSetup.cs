namespace SlurmK8s.Tests.EndToEnd;

/// <summary>
/// Once per run, before the first end-to-end test: the local cluster up and this build installed on it; after the
/// last: the cluster down again if the run started it. (NUnit runs it only when a test of this namespace is selected.)
/// </summary>
[SetUpFixture]
internal sealed class LocalClusterSetup
{
    [OneTimeSetUp]
    public static Task StartAsync() => LocalCluster.EnsureReadyAsync();

    [OneTimeTearDown]
    public static Task StopAsync() => LocalCluster.StopIfStartedAsync();
}
