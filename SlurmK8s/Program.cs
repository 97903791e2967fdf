using System.CommandLine;
using SlurmK8s.Cli;
using SlurmK8s.Companion;
using SlurmK8s.RedBox;

// One binary, four roles; each role builds only the host it needs.
var root = new RootCommand("slurmk8s: run Slurm batch jobs from Kubernetes")
{
    UpcomingRoleCommand.Create("operator", "Controller for SlurmJob resources: creates a companion pod per job and keeps its status true to Slurm"),
    UpcomingRoleCommand.Create("resourced", "Node daemon: labels the node and sets slurm.sylabs.io/* extended resources from the slurm-config ConfigMap"),
    RedboxCommand.Create(),
    CompanionCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
