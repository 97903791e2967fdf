using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace SlurmK8s.Tests.Integration;

/// <summary>`slurmk8s companion` as its own process (optionally as another user through setpriv, which execs: same pid), with its stdout kept line by line.</summary>
internal sealed class CompanionProcess : IDisposable
{
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CompanionProcess(Process process)
    {
        Process = process;
    }

    public Process Process { get; }

    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static CompanionProcess Start(IEnumerable<string> companionArgs, string? asUser = null)
    {
        var (fileName, prefix) = SlurmK8sBinary.Command();
        var start = new ProcessStartInfo(asUser is null ? fileName : "setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        var args = asUser is null ? [] : new List<string> { $"--reuid={asUser}", $"--regid={asUser}", "--clear-groups", "--", fileName };
        foreach (var arg in args.Concat(prefix).Append("companion").Concat(companionArgs))
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["HOME"] = Path.GetTempPath();
        var companion = new CompanionProcess(Process.Start(start)!);
        companion.Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                companion._stdout.Enqueue(e.Data);
            }
        };
        companion.Process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (companion._stderr)
                {
                    companion._stderr.AppendLine(e.Data);
                }
                TestContext.Progress.WriteLine("[companion] " + e.Data);
            }
        };
        companion.Process.BeginOutputReadLine();
        companion.Process.BeginErrorReadLine();
        return companion;
    }

    /// <summary>Waits until a stdout line satisfies <paramref name="match"/>; fails if the process exits or time runs out first.</summary>
    public async Task WaitForLineAsync(Func<string, bool> match, int timeoutSeconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!_stdout.Any(match))
        {
            Assert.That(Process.HasExited, Is.False, $"the companion exited ({(Process.HasExited ? Process.ExitCode : 0)}) first:\n{StandardError}");
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"no such line on stdout within {timeoutSeconds} s:\n{string.Join('\n', _stdout)}\n{StandardError}");
            await Task.Delay(50);
        }
    }

    public async Task<int> WaitForExitAsync(int timeoutSeconds = 120)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the companion did not exit within {timeoutSeconds} s:\n{StandardError}");
        }
        // The asynchronous readers may still be delivering the last lines.
        Process.WaitForExit();
        return Process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as the kubelet does when the pod is deleted, evicted or its node drained.</summary>
    public Task TerminateAsync() => Command.RunAsync("kill", "-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit();
        }
        Process.Dispose();
    }
}
