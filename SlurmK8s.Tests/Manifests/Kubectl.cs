using SlurmK8s.Os;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.Manifests;

/// <summary>kubectl (1.32) against the run's real API server, as an administrator would use it.</summary>
internal static class Kubectl
{
    public static Task<ProcessResult> RunAsync(params string[] arguments) => RunWithInputAsync(null, arguments);

    /// <summary>Runs kubectl with <paramref name="input"/> on its stdin (for `-f -`).</summary>
    /// <remarks>
    /// A discovery cache of the run's own: kubectl keeps ~/.kube/cache for hours per host:port, and a later
    /// run's API server on a reused port would otherwise start from an earlier run's list of resources.
    /// </remarks>
    public static Task<ProcessResult> RunWithInputAsync(string? input, params string[] arguments) =>
        new ProcessRunner().RunAsync(
            "kubectl",
            ["--kubeconfig", RealApiServer.KubeconfigPath, "--cache-dir", Path.Combine(RealApiServer.StateDirectory, "kubectl-cache"), .. arguments],
            input,
            CancellationToken.None);

    /// <summary>Runs kubectl and fails the test with kubectl's words if it fails; returns stdout.</summary>
    public static async Task<string> SucceedAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        if (!result.Succeeded)
        {
            Assert.Fail($"kubectl {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        }
        return result.StandardOutput;
    }
}
