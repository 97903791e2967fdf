using System.Collections.Concurrent;
using System.Diagnostics;

namespace SlurmK8s.Os;

/// <summary>
/// Starts processes as another Unix user: the runtime forks, sets groups, gid and uid, then execs
/// (<see cref="ProcessStartInfo.UserName"/> on Linux), so the program runs with that user's real identity and munge
/// vouches for it. red-box may hold CAP_SETUID and CAP_SETGID as AMBIENT capabilities (that is how systemd grants
/// them to a non-root service), and ambient capabilities survive setuid between non-root users and exec: a child forked
/// by an ordinary thread would run sbatch as the tenant still holding both. Capabilities are per thread and a fork
/// copies the forking thread's, so every start happens on one thread that has cleared its own ambient set first.
/// </summary>
internal sealed class UserProcessLauncher
{
    public static readonly UserProcessLauncher Shared = new();

    private readonly BlockingCollection<(ProcessStartInfo StartInfo, TaskCompletionSource<Process> Started)> _queue = [];
    private readonly Lazy<Thread> _thread;

    private UserProcessLauncher()
    {
        _thread = new Lazy<Thread>(() =>
        {
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() => Run(ready)) { IsBackground = true, Name = "user-process-launcher" };
            thread.Start();
            ready.Task.GetAwaiter().GetResult();
            return thread;
        });
    }

    /// <summary>Starts <paramref name="startInfo"/> (its UserName set) on the launcher thread.</summary>
    public Task<Process> StartAsync(ProcessStartInfo startInfo)
    {
        _ = _thread.Value;
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((startInfo, started));
        return started.Task;
    }

    private void Run(TaskCompletionSource ready)
    {
        try
        {
            Capabilities.ClearAmbientOfThisThread();
            ready.SetResult();
        }
        catch (Exception e)
        {
            ready.SetException(e);
            return;
        }
        foreach (var (startInfo, started) in _queue.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(startInfo) ?? throw new InvalidOperationException($"{startInfo.FileName} did not start"));
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }
}
