using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SlurmK8s.Cli;
using SlurmK8s.Companion;

namespace SlurmK8s.Tests.Companion;

/// <summary>
/// What `kubectl logs &lt;name&gt;-job` shows of the companion itself, in process: the action runs with an API server that
/// never answers until it is stopped, so it logs retries on stderr, writes nothing on stdout, and leaves its termination message.
/// </summary>
[NonParallelizable]   // swaps Console.Out and Console.Error
internal sealed class CompanionConsoleTests
{
    [Test]
    public async Task Companion_ByDefault_WritesOnlyMarkedLinesToStderrNoneJsonAndNothingToStdout()
    {
        using var dir = new TempDirectory();
        var (exitCode, stdout, stderr) = await RunUntilStoppedAsync(dir, []);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Terminated));
        Assert.That(stdout, Is.Empty, "stdout is the job's output only");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.Not.Empty);
        Assert.That(lines, Has.All.StartsWith(HumanConsoleFormatter.Marker + " "), stderr);
        Assert.That(lines.Where(ParsesAsJson), Is.Empty, stderr);
        Assert.That(stderr, Does.Contain("[slurmk8s] warning: Kubernetes API did not answer (0), retrying:"));
        Assert.That(lines[^1], Is.EqualTo("[slurmk8s] stopped (SIGTERM) before a Slurm job was submitted"));
        Assert.That(await File.ReadAllTextAsync(dir.Combine("termination-log")), Is.EqualTo("stopped (SIGTERM) before a Slurm job was submitted"));
    }

    [Test]
    public async Task Companion_WithLogFormatJson_KeepsTheStructuredRecords()
    {
        using var dir = new TempDirectory();
        var (exitCode, stdout, stderr) = await RunUntilStoppedAsync(dir, ["--log-format", "json"]);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Terminated));
        Assert.That(stdout, Is.Empty);
        var records = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(records, Is.Not.Empty);
        Assert.That(records.Where(r => !ParsesAsJson(r)), Is.Empty, stderr);
        Assert.That(stderr, Does.Contain("\"Category\":\"SlurmK8s.Companion.CompanionSession\""));
    }

    [Test]
    public async Task Companion_WithoutItsSlurmJobName_SaysSoOnAMarkedLineAndInTheTerminationMessage()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("termination-log");
        var (exitCode, _, stderr) = await InvokeAsync(["--namespace", "default", "--pod-name", "cow-job", "--termination-message-path", path], CancellationToken.None);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.BadUsage));
        Assert.That(stderr, Does.StartWith("[slurmk8s] error: --slurmjob is required: pass it, or set $SLURMJOB_NAME"));
        Assert.That(await File.ReadAllTextAsync(path), Does.StartWith("bad usage: --slurmjob is required"));
    }

    private static bool ParsesAsJson(string line)
    {
        try
        {
            using var _ = JsonDocument.Parse(line);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunUntilStoppedAsync(TempDirectory dir, string[] more)
    {
        var kubeconfig = dir.Combine("kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, KubeconfigFor(ClosedPort()));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        return await InvokeAsync(
        [
            "--namespace", "default", "--slurmjob", "cow", "--pod-name", "cow-job", "--kubeconfig", kubeconfig,
            "--socket", dir.Combine("no-red-box.sock"), "--termination-message-path", dir.Combine("termination-log"), .. more,
        ], stop.Token);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> InvokeAsync(string[] args, CancellationToken cancellationToken)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var (originalOutput, originalError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        int exitCode;
        try
        {
            exitCode = await CompanionCommand.Create().Parse(args).InvokeAsync(cancellationToken: cancellationToken);
        }
        finally
        {
            Console.SetOut(originalOutput);
            Console.SetError(originalError);
        }
        return (exitCode, output.ToString(), error.ToString());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string KubeconfigFor(int port) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: nowhere
          cluster:
            server: http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}
        users:
        - name: nobody
          user:
            token: none
        contexts:
        - name: nowhere
          context:
            cluster: nowhere
            user: nobody
        current-context: nowhere
        """;
}
