using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace SlurmK8s.Tests.Integration;

/// <summary>
/// `slurmk8s &lt;role&gt; …` as its own process, as it is deployed: the published Native AOT binary when SLURMK8S_BIN names
/// one (./build.sh test publishes it and sets it), else this configuration's build output through `dotnet`, so the tests
/// also run while developing, without a publish. Optionally as another user through setpriv, which execs (same pid: signals
/// reach slurmk8s itself). Stdout and stderr are kept line by line.
/// </summary>
internal sealed class SlurmK8sProcess : IDisposable
{
    private static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(120);

    private readonly string _role;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentQueue<string> _log = new();

    private readonly bool _echo;

    private SlurmK8sProcess(string role, Process process, bool echo)
    {
        _role = role;
        Process = process;
        _echo = echo;
    }

    /// <summary>The published AOT binary (SLURMK8S_BIN), or null when there is none.</summary>
    public static string? PublishedBinary =>
        Environment.GetEnvironmentVariable("SLURMK8S_BIN") is { Length: > 0 } path && File.Exists(path) ? path : null;

    /// <summary>The published AOT binary; the test is Inconclusive without it.</summary>
    public static string RequirePublishedBinary() => PublishedBinary
        ?? throw new InconclusiveException("SLURMK8S_BIN is not set: run ./build.sh test, which publishes the AOT binary first");

    public Process Process { get; }

    public int Id => Process.Id;

    /// <summary>Every line printed to stdout so far.</summary>
    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    /// <summary>Everything printed to stderr so far, one line each.</summary>
    public string StandardError => string.Join('\n', _stderr);

    /// <summary>Every line printed so far, stdout and stderr, in the order they came.</summary>
    public IReadOnlyList<string> Log => [.. _log];

    public static SlurmK8sProcess Start(string role, IEnumerable<string> args, SlurmK8sProcessOptions? options = null)
    {
        options ??= new SlurmK8sProcessOptions();
        (string fileName, IReadOnlyList<string> prefix) = options.Binary is { } binary ? (binary, []) : Program(options.RequirePublished);
        var start = new ProcessStartInfo(options.User is null ? fileName : "setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        IEnumerable<string> capabilities = options.SwitchUserCapabilities
            ? ["--inh-caps=-all,+setuid,+setgid", "--ambient-caps=-all,+setuid,+setgid", "--bounding-set=-all,+setuid,+setgid"]
            : [];
        IEnumerable<string> setpriv = options.User is { } user
            ? [$"--reuid={user}", $"--regid={user}", options.UserGroups ? "--init-groups" : "--clear-groups", .. capabilities, "--", fileName]
            : [];
        foreach (var arg in setpriv.Concat(prefix).Append(role).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        // `dotnet` run as another user cannot write to root's home.
        start.Environment["HOME"] = Path.GetTempPath();
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in options.Environment)
        {
            start.Environment[name] = value;
        }
        var started = new SlurmK8sProcess(role, Process.Start(start)!, options.EchoToProgress);
        started.Process.OutputDataReceived += (_, e) => started.Keep(started._stdout, e.Data);
        started.Process.ErrorDataReceived += (_, e) => started.Keep(started._stderr, e.Data);
        started.Process.BeginOutputReadLine();
        started.Process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Waits for a stdout line that matches; fails the test if the process exits or time runs out first.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan? timeout = null) =>
        WaitForAsync(_stdout, match, "stdout", timeout ?? DefaultPatience);

    /// <summary>Waits for a line on stdout or stderr that contains <paramref name="text"/>; fails the test if the process exits or time runs out first.</summary>
    public Task<string> WaitForLogAsync(string text, TimeSpan? timeout = null) =>
        WaitForAsync(_log, l => l.Contains(text, StringComparison.Ordinal), "stdout or stderr", timeout ?? DefaultPatience);

    /// <summary>The exit code, once the process has exited; fails the test if it has not within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        var patience = timeout ?? DefaultPatience;
        try
        {
            await Process.WaitForExitAsync().WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{_role} did not exit within {patience.TotalSeconds} s:\n{StandardError}");
        }
        // The asynchronous readers may still be delivering the last lines.
        Process.WaitForExit();
        return Process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as the kubelet does when a pod is deleted, evicted or its node drained.</summary>
    public Task TerminateAsync() => Command.RunAsync("kill", "-TERM", Id.ToString(CultureInfo.InvariantCulture));

    /// <summary>SIGTERM, then the exit code once it has stopped.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        await TerminateAsync();
        return await WaitForExitAsync(timeout);
    }

    /// <summary>SIGKILL: a crash, with no chance to clean up.</summary>
    public async Task KillAsync()
    {
        Process.Kill();
        await Process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit();
        }
        Process.Dispose();
    }

    private static (string FileName, IReadOnlyList<string> Prefix) Program(bool requirePublished)
    {
        if (requirePublished)
        {
            return (RequirePublishedBinary(), []);
        }
        if (PublishedBinary is { } binary)
        {
            return (binary, []);
        }
        // Tests run from SlurmK8s.Tests/bin/<configuration>/<framework>: the app's own build output sits at the same place under SlurmK8s/.
        var testDirectory = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var dll = Path.Combine(RepositoryFiles.Root, "SlurmK8s", "bin", testDirectory.Parent!.Name, testDirectory.Name, "slurmk8s.dll");
        return File.Exists(dll) ? ("dotnet", [dll]) : throw new InconclusiveException($"neither SLURMK8S_BIN nor {dll} exists: build the solution first");
    }

    private void Keep(ConcurrentQueue<string> stream, string? line)
    {
        if (line is not null)
        {
            stream.Enqueue(line);
            _log.Enqueue(line);
            if (_echo)
            {
                TestContext.Progress.WriteLine($"[{_role}] {line}");
            }
        }
    }

    private async Task<string> WaitForAsync(ConcurrentQueue<string> lines, Func<string, bool> match, string where, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }
            Assert.That(Process.HasExited, Is.False, $"{_role} exited ({(Process.HasExited ? Process.ExitCode : 0)}) first:\n{string.Join('\n', _log)}");
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"no such line on {where} of {_role} within {timeout.TotalSeconds} s:\n{string.Join('\n', _log)}");
            await Task.Delay(50);
        }
    }
}
