using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBoxClient;

/// <summary>One call to a red-box that may not be there: its answer, or why there is none (<see cref="Problem"/>, in words).</summary>
internal sealed record RedBoxAnswer<T>(RedBoxPresence Presence, T? Value, string Problem) where T : class
{
    /// <summary>
    /// Makes one call with a deadline if red-box's socket is there. A refusal (any <see cref="SlurmException"/>) is
    /// <see cref="RedBoxPresence.NotAnswering"/> with red-box's words; cancellation by the caller propagates.
    /// </summary>
    public static async Task<RedBoxAnswer<T>> AskAsync(string socketPath, TimeSpan deadline,
        Func<Proto.RedBox.RedBoxClient, DateTime, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
        {
            return new(RedBoxPresence.NoSocket, null, $"no red-box socket at {socketPath}");
        }
        using var connection = RedBoxConnection.Connect(socketPath);
        try
        {
            var value = await call(connection.Client, DateTime.UtcNow.Add(deadline), cancellationToken).ConfigureAwait(false);
            return new(RedBoxPresence.Answered, value, "");
        }
        catch (SlurmException e)
        {
            return new(RedBoxPresence.NotAnswering, null, $"red-box at {socketPath} answered {e.Kind}: {e.Message}");
        }
    }
}
