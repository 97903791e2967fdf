using SlurmK8s.Os;

namespace SlurmK8s.Tests;

/// <summary>Runs a command the way red-box does (argument array, no shell) for what a test checks or prepares itself.</summary>
internal static class Command
{
    public static Task<ProcessResult> RunAsync(string fileName, params string[] args) =>
        new ProcessRunner().RunAsync(fileName, args, null, CancellationToken.None);
}
