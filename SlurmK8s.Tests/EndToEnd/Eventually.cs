using System.Text.Json;
using k8s;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>Polling for a real cluster's eventual state, failing with what was last seen.</summary>
internal static class Eventually
{
    public static async Task<T> ReachAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{what}: not reached within {timeout.TotalSeconds:F0} s; last seen: {Describe(value)}");
            }
            await Task.Delay(250);
        }
    }

    private static string Describe<T>(T value)
    {
        try
        {
            return value is null ? "nothing" : value as string ?? KubernetesJson.Serialize(value);
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
        {
            return value?.ToString() ?? "nothing";
        }
    }
}
