using System.Globalization;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.Kube;

/// <summary>
/// Disturbs the run's real API server the way production does (a restart, etcd compaction), through
/// scripts/kube-apiserver.sh. Tests run one at a time, and each of these leaves the server running and ready.
/// </summary>
internal static class ApiServerControl
{
    /// <summary>Stops and starts kube-apiserver (same port and token; etcd and its data stay); returns once /readyz is ok.</summary>
    public static Task RestartAsync() => RunAsync("restart");

    /// <summary>Compacts etcd to its current revision; returns that revision.</summary>
    public static async Task<long> CompactAsync()
    {
        var output = await RunAsync("compact");
        return long.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    private static async Task<string> RunAsync(string command) =>
        (await RepositoryFiles.RunScriptAsync("kube-apiserver.sh", command, RealApiServer.StateDirectory)).StandardOutput;
}
