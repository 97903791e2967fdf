using System.CommandLine;
using SlurmK8s.Cli;
using SlurmK8s.Operator;
using SlurmK8s.RedBox;
using SlurmK8s.ResourceDaemon;

// One binary, four roles; each role builds only the host it needs.
var root = new RootCommand("slurmk8s: run Slurm batch jobs from Kubernetes")
{
    OperatorCommand.Create(),
    ResourcedCommand.Create(),
    RedboxCommand.Create(),
    UpcomingRoleCommand.Create("companion", "Runs in a SlurmJob's pod: submits through red-box, streams output, collects results"),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
