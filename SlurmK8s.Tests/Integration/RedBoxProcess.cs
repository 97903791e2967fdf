using System.Diagnostics;
using Grpc.Net.Client;
using SlurmK8s.RedBox;
using Proto = SlurmK8s.Protos.RedBox.V1;

namespace SlurmK8s.Tests.Integration;

/// <summary>The published AOT binary (SLURMK8S_BIN, set by ./build.sh test and bench) running `redbox` as its own process.</summary>
internal sealed class RedBoxProcess : IDisposable
{
    private readonly GrpcChannel _channel;

    private RedBoxProcess(Process process, string socket)
    {
        Process = process;
        _channel = RedBoxChannel.Create(socket);
        Client = new Proto.RedBox.RedBoxClient(_channel);
    }

    public Process Process { get; }
    public Proto.RedBox.RedBoxClient Client { get; }

    public static string Binary => Environment.GetEnvironmentVariable("SLURMK8S_BIN") is { Length: > 0 } path && File.Exists(path)
        ? path
        : throw new InconclusiveException("SLURMK8S_BIN is not set: run ./build.sh test, which publishes the AOT binary first");

    /// <summary>Starts `slurmk8s redbox` (as <paramref name="user"/> through setpriv, which execs: same pid, signals reach red-box) and waits until it listens.</summary>
    public static async Task<RedBoxProcess> StartAsync(string socket, string? user, params string[] redboxArgs)
    {
        var start = new ProcessStartInfo(user is null ? Binary : "setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (user is not null)
        {
            foreach (var arg in new[] { $"--reuid={user}", $"--regid={user}", "--init-groups", "--", Binary })
            {
                start.ArgumentList.Add(arg);
            }
        }
        foreach (var arg in new[] { "redbox", "--socket", socket, "--log-format", "text" }.Concat(redboxArgs))
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) TestContext.Progress.WriteLine("[red-box] " + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) TestContext.Progress.WriteLine("[red-box] " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await UnixSocket.IsLiveAsync(socket, CancellationToken.None))
        {
            Assert.That(process.HasExited, Is.False, $"red-box exited with {(process.HasExited ? process.ExitCode : 0)}");
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "red-box did not listen within 15 s");
            await Task.Delay(50);
        }
        return new RedBoxProcess(process, socket);
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
