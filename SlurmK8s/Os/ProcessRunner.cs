using System.Diagnostics;

namespace SlurmK8s.Os;

/// <summary>What a finished command printed and how it ended.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>Runs a program with an argument array — never through a shell.</summary>
internal interface IProcessRunner
{
    /// <summary>Runs as red-box's own user, or, given <paramref name="runAs"/>, as that user with a clean environment.</summary>
    Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken,
        UnixUser? runAs = null);
}

internal sealed class ProcessRunner : IProcessRunner
{
    /// <summary>Variables a process run as a tenant inherits from red-box; everything else of red-box's environment stays behind.</summary>
    private static readonly string[] Inherited = ["SLURM_CONF", "TZ"];

    public async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? standardInput, CancellationToken cancellationToken,
        UnixUser? runAs = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (runAs is not null)
        {
            AsUser(startInfo, runAs);
        }
        using var process = runAs is null ? Process.Start(startInfo)! : await UserProcessLauncher.Shared.StartAsync(startInfo).ConfigureAwait(false);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
        }
        process.StandardInput.Close();

        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>
    /// The user's identity and a login-like environment of its own (sbatch exports its environment into the job):
    /// nothing of red-box's reaches the tenant's job.
    /// </summary>
    private static void AsUser(ProcessStartInfo startInfo, UnixUser user)
    {
        var inherited = Inherited.Select(name => (name, value: Environment.GetEnvironmentVariable(name))).Where(v => v.value is not null).ToList();
        startInfo.Environment.Clear();
        foreach (var (name, value) in inherited)
        {
            startInfo.Environment[name] = value;
        }
        startInfo.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        startInfo.Environment["HOME"] = user.Home;
        startInfo.Environment["USER"] = user.Name;
        startInfo.Environment["LOGNAME"] = user.Name;
        startInfo.UserName = user.Name;
        startInfo.WorkingDirectory = "/";
    }
}
