using System.Globalization;
using SlurmK8s.Os;
using SlurmK8s.Slurm.Parsing;

namespace SlurmK8s.Slurm;

/// <summary>Runs the real Slurm commands with argument arrays (never a shell) and parses what they print.</summary>
internal sealed class SlurmCli(IProcessRunner runner, string binDirectory = "") : ISlurmClient
{
    private static readonly string SacctDelimiter = $"--delimiter={SacctFormat.Separator}";
    private const string AllStates = "PD,R,CD,F,CA,TO,NF,OOM,PR,BF,DL,RQ,RS,RV,S";

    public async Task<long> SubmitAsync(BatchSubmission submission, CancellationToken cancellationToken)
    {
        List<string> args = ["--parsable", $"--chdir={submission.WorkDir}"];
        // On the command line these win over the script's #SBATCH lines; red-box has checked those already.
        AddIfGiven(args, "--partition=", submission.Partition);
        AddIfGiven(args, "--account=", submission.Account);
        AddIfGiven(args, "--qos=", submission.Qos);
        AddIfGiven(args, "--comment=", submission.Comment);
        // No script file argument: sbatch reads the script from stdin, so user text never touches a command line.
        var output = await RunAsync("sbatch", args, submission.Script, cancellationToken, submission.RunAs).ConfigureAwait(false);
        var idText = output.Trim().Split('\n')[^1].Split(';')[0];
        return long.TryParse(idText, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new SlurmException(SlurmErrorKind.Internal, $"sbatch printed no job id: '{output.Trim()}'");
    }

    public async Task CancelAsync(long jobId, UnixUser? runAs, CancellationToken cancellationToken) =>
        await RunAsync("scancel", [jobId.ToString(CultureInfo.InvariantCulture)], null, cancellationToken, runAs).ConfigureAwait(false);

    public async Task<IReadOnlyList<JobRecord>> QueueAsync(IReadOnlyCollection<long> jobIds, CancellationToken cancellationToken)
    {
        if (jobIds.Count == 0)
        {
            return [];
        }
        // Unknown ids among several are skipped (rc 0); a single unknown id is an error (rc 1): both mean "no rows".
        try
        {
            var output = await RunAsync("squeue", ["--noheader", "--states=all", $"--jobs={JoinIds(jobIds)}", $"--Format={SqueueFormat.FormatArgument}"],
                null, cancellationToken).ConfigureAwait(false);
            return SqueueFormat.Parse(output);
        }
        catch (SlurmException e) when (e.Kind == SlurmErrorKind.NotFound)
        {
            return [];
        }
    }

    public async Task<IReadOnlyList<JobRecord>> QueueOfUsersAsync(IReadOnlyCollection<string> users, CancellationToken cancellationToken)
    {
        if (users.Count == 0)
        {
            return [];
        }
        var output = await RunAsync("squeue", ["--noheader", "--states=all", $"--users={string.Join(',', users)}", $"--Format={SqueueFormat.FormatArgument}"],
            null, cancellationToken).ConfigureAwait(false);
        return SqueueFormat.Parse(output);
    }

    public async Task<IReadOnlyList<JobRecord>> AccountingAsync(IReadOnlyCollection<long> jobIds, CancellationToken cancellationToken)
    {
        if (jobIds.Count == 0)
        {
            return [];
        }
        var output = await RunAsync("sacct", ["--allocations", "--noheader", "--parsable2", SacctDelimiter, $"--format={SacctFormat.JobFields}",
            $"--jobs={JoinIds(jobIds)}"], null, cancellationToken).ConfigureAwait(false);
        return SacctFormat.ParseJobs(output);
    }

    public async Task<IReadOnlyList<JobRecord>> AccountingOfUsersSinceAsync(IReadOnlyCollection<string> users, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (users.Count == 0)
        {
            return [];
        }
        var start = since.ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        // --user: only these users' jobs (as root, sacct would list everyone's). --state with every state: without it, a job cancelled while
        // held (never started) falls outside the time window and is missed.
        var output = await RunAsync("sacct", ["--allocations", "--noheader", "--parsable2", SacctDelimiter, $"--format={SacctFormat.JobFields}",
            $"--user={string.Join(',', users)}", $"--starttime={start}", "--endtime=now", $"--state={AllStates}"], null, cancellationToken).ConfigureAwait(false);
        return SacctFormat.ParseJobs(output);
    }

    public async Task<IReadOnlyList<StepRecord>> StepsAsync(long jobId, CancellationToken cancellationToken)
    {
        var output = await RunAsync("sacct", ["--noheader", "--parsable2", SacctDelimiter, $"--format={SacctFormat.StepFields}",
            $"--jobs={jobId.ToString(CultureInfo.InvariantCulture)}"], null, cancellationToken).ConfigureAwait(false);
        return SacctFormat.ParseSteps(output);
    }

    public async Task<IReadOnlyList<PartitionRecord>> PartitionsAsync(CancellationToken cancellationToken)
    {
        var partitions = await RunAsync("scontrol", ["--oneliner", "show", "partition"], null, cancellationToken).ConfigureAwait(false);
        var nodes = await RunAsync("scontrol", ["--oneliner", "show", "node"], null, cancellationToken).ConfigureAwait(false);
        return ScontrolFormat.ParsePartitions(partitions, nodes);
    }

    public async Task<ClusterConfig> ConfigAsync(CancellationToken cancellationToken) =>
        ScontrolFormat.ParseConfig(await RunAsync("scontrol", ["show", "config"], null, cancellationToken).ConfigureAwait(false));

    private static void AddIfGiven(List<string> args, string option, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            args.Add(option + value);
        }
    }

    private async Task<string> RunAsync(string command, IReadOnlyList<string> args, string? stdin, CancellationToken cancellationToken, UnixUser? runAs = null)
    {
        var path = binDirectory.Length == 0 ? command : Path.Combine(binDirectory, command);
        ProcessResult result;
        try
        {
            result = await runner.RunAsync(path, args, stdin, cancellationToken, runAs).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SlurmException(SlurmErrorKind.Unavailable, $"{command} could not be started ({e.Message}): is Slurm installed on this submit host?");
        }
        return result.Succeeded ? result.StandardOutput : throw SlurmException.FromCommand(command, result.ExitCode, result.StandardError);
    }

    private static string JoinIds(IEnumerable<long> ids) => string.Join(",", ids.Select(id => id.ToString(CultureInfo.InvariantCulture)));
}
