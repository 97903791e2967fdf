using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Net.Client;
using SlurmK8s.RedBox;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Integration;

/// <summary>`slurmk8s redbox` running as its own process: the published AOT binary (SLURMK8S_BIN, set by ./build.sh test and bench), or this build.</summary>
internal sealed class RedBoxProcess : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly ConcurrentQueue<string> _log;

    private RedBoxProcess(Process process, string socket, ConcurrentQueue<string> log)
    {
        Process = process;
        _log = log;
        _channel = RedBoxChannel.Create(socket);
        Client = new Proto.RedBox.RedBoxClient(_channel);
    }

    public Process Process { get; }
    public Proto.RedBox.RedBoxClient Client { get; }

    /// <summary>Every line red-box has printed so far (stdout and stderr).</summary>
    public IReadOnlyCollection<string> Log => _log;

    public static string Binary => Environment.GetEnvironmentVariable("SLURMK8S_BIN") is { Length: > 0 } path && File.Exists(path)
        ? path
        : throw new InconclusiveException("SLURMK8S_BIN is not set: run ./build.sh test, which publishes the AOT binary first");

    /// <summary>
    /// The command that runs slurmk8s for tests of red-box's behaviour rather than of the AOT build: the published
    /// binary when SLURMK8S_BIN is set, else this build's slurmk8s.dll through `dotnet`.
    /// </summary>
    public static IReadOnlyList<string> AotOrBuild => Environment.GetEnvironmentVariable("SLURMK8S_BIN") is { Length: > 0 } path && File.Exists(path)
        ? [path]
        : ["dotnet", Path.Combine(TestContext.CurrentContext.TestDirectory, "slurmk8s.dll")];

    /// <summary>Starts the AOT binary's `redbox` (as <paramref name="user"/> through setpriv) and waits until it listens.</summary>
    public static Task<RedBoxProcess> StartAsync(string socket, string? user, params string[] redboxArgs) =>
        StartAsync([Binary], new Dictionary<string, string>(), socket, user, redboxArgs);

    /// <summary>
    /// Starts `<paramref name="program"/> redbox` (as <paramref name="user"/> through setpriv, which execs: same pid, signals
    /// reach red-box) with <paramref name="environment"/> added to its own (e.g. SLURM_CONF, which the Slurm commands it
    /// runs inherit), and waits until it listens.
    /// </summary>
    public static async Task<RedBoxProcess> StartAsync(IReadOnlyList<string> program, IReadOnlyDictionary<string, string> environment,
        string socket, string? user, params string[] redboxArgs)
    {
        var start = new ProcessStartInfo(user is null ? program[0] : "setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        var command = user is null ? program.Skip(1) : [$"--reuid={user}", $"--regid={user}", "--init-groups", "--", .. program];
        foreach (var arg in command.Concat(["redbox", "--socket", socket, "--log-format", "text", .. redboxArgs]))
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var log = new ConcurrentQueue<string>();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Slurm commands give up on a controller that does not answer after ~10 s, and red-box asks at start-up.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await UnixSocket.IsLiveAsync(socket, CancellationToken.None))
        {
            Assert.That(process.HasExited, Is.False, $"red-box exited with {(process.HasExited ? process.ExitCode : 0)}:\n{string.Join('\n', log)}");
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "red-box did not listen within 30 s");
            await Task.Delay(50);
        }
        return new RedBoxProcess(process, socket, log);

        void Keep(string? line)
        {
            if (line is not null)
            {
                log.Enqueue(line);
                TestContext.Progress.WriteLine("[red-box] " + line);
            }
        }
    }

    /// <summary>The first line red-box printed that contains <paramref name="text"/>, waiting for it up to <paramref name="timeout"/>.</summary>
    public async Task<string?> WaitForLogAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_log.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }
            if (DateTime.UtcNow > deadline)
            {
                return null;
            }
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        _channel.Dispose();
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit();
        }
        Process.Dispose();
    }
}
