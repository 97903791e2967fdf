using System.CommandLine;

namespace SlurmK8s.Cli;

/// <summary>A role that is listed (so `--help` shows the whole product) but built in a later step.</summary>
internal static class UpcomingRoleCommand
{
    public static Command Create(string name, string description)
    {
        var command = new Command(name, description + " (arrives with the Kubernetes side; not available in this build)");
        command.SetAction(async (_, _) =>
        {
            await Console.Error.WriteLineAsync($"slurmk8s {name} is not available in this build yet.").ConfigureAwait(false);
            return ExitCodes.NotAvailable;
        });
        return command;
    }
}
