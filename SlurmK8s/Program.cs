using System.CommandLine;
using SlurmK8s.Companion;
using SlurmK8s.Operator;
using SlurmK8s.RedBox;
using SlurmK8s.Resourced;

// One binary, four roles; each role builds only the host it needs.
var root = new RootCommand("slurmk8s: run Slurm batch jobs from Kubernetes")
{
    OperatorCommand.Create(),
    ResourcedCommand.Create(),
    RedBoxCommand.Create(),
    CompanionCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
