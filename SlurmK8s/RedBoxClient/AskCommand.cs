using System.CommandLine;
using System.Globalization;
using SlurmK8s.Cli;
using Proto = SlurmK8s.Protos.RedBox.V1;
using SlurmK8s.Slurm;

namespace SlurmK8s.RedBoxClient;

/// <summary>
/// `slurmk8s redbox ask …`: one call to red-box from wherever this runs (a node's shell, a pod that mounts the socket),
/// as red-box identifies the caller. For administrators ("as whom would my jobs run?") and for checking the fences:
/// a refusal prints red-box's status and words on stderr and exits non-zero. A client of red-box like any other
/// (<see cref="RedBoxConnection"/>), offered as a subcommand of `redbox` because that is where an administrator looks.
/// </summary>
internal static class AskCommand
{
    public static Command Create()
    {
        var socket = SharedOptions.Socket("the one to call");
        var jobId = new Argument<long>("job-id") { Description = "A Slurm job id" };
        var path = new Argument<string>("path") { Description = "A file (relative: from your job's directory in a companion pod, else from your tenant's work root)" };
        var pattern = new Argument<string>("pattern") { Description = "A glob (relative as for read)" };
        var key = new Option<string>("--key") { Description = "The idempotency key", DefaultValueFactory = _ => "" };
        var cancelKey = new Option<string>("--key") { Description = "Cancel the job this idempotency key made (instead of a job id)", DefaultValueFactory = _ => "" };
        var cancelId = new Argument<long>("job-id") { Description = "A Slurm job id", DefaultValueFactory = _ => 0 };

        var whoami = new Command("whoami", "Who red-box takes you to be, and as which user, account and work root your jobs run");
        var job = new Command("job", "A job's state (another tenant's job is unknown to you)") { jobId };
        var cancel = new Command("cancel", "Cancel one of your jobs") { cancelId, cancelKey };
        var read = new Command("read", "Print a file of yours") { path };
        var list = new Command("list", "List your files that match a glob") { pattern };
        var submit = new Command("submit", "Submit the batch script read from stdin") { key };

        Bind(whoami, socket, async (client, _, ct) =>
        {
            var me = await client.WhoAmIAsync(new Proto.WhoAmIRequest(), cancellationToken: ct).ConfigureAwait(false);
            Console.WriteLine($"caller:     {me.Caller}");
            Console.WriteLine($"tenant:     {me.Tenant}");
            Console.WriteLine($"user:       {me.User}");
            Console.WriteLine($"account:    {me.Account}");
            Console.WriteLine($"partitions: {(me.Partitions.Count == 0 ? "any" : string.Join(", ", me.Partitions))}");
            Console.WriteLine($"qos:        {(me.Qos.Count == 0 ? "any" : string.Join(", ", me.Qos))}");
            Console.WriteLine($"work root:  {me.WorkRoot}");
        });
        Bind(job, socket, async (client, result, ct) =>
        {
            var info = await client.JobInfoAsync(new Proto.JobInfoRequest { JobIds = { result.GetValue(jobId) } }, cancellationToken: ct).ConfigureAwait(false);
            var j = info.Jobs[0];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{j.JobId} {j.SlurmState} user={j.User} reason={j.Reason} workdir={j.WorkDir}"));
        });
        Bind(cancel, socket, async (client, result, ct) =>
        {
            var done = await client.CancelJobAsync(new Proto.CancelJobRequest { JobId = result.GetValue(cancelId), IdempotencyKey = result.GetValue(cancelKey) },
                cancellationToken: ct).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cancelled {done.JobId}"));
        });
        Bind(read, socket, async (client, result, ct) =>
        {
            using var call = client.OpenFile(new Proto.OpenFileRequest { Path = result.GetValue(path) }, cancellationToken: ct);
            await using var stdout = Console.OpenStandardOutput();
            while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                await stdout.WriteAsync(call.ResponseStream.Current.Content.Memory, ct).ConfigureAwait(false);
            }
        });
        Bind(list, socket, async (client, result, ct) =>
        {
            var files = await client.ListFilesAsync(new Proto.ListFilesRequest { Pattern = result.GetValue(pattern) }, cancellationToken: ct).ConfigureAwait(false);
            foreach (var file in files.Paths)
            {
                Console.WriteLine(file);
            }
        });
        Bind(submit, socket, async (client, result, ct) =>
        {
            var script = await Console.In.ReadToEndAsync(ct).ConfigureAwait(false);
            var done = await client.SubmitJobAsync(new Proto.SubmitJobRequest { Script = script, IdempotencyKey = result.GetValue(key) }, cancellationToken: ct)
                .ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{done.JobId} {done.WorkDir}{(done.AlreadySubmitted ? " (already submitted)" : "")}"));
        });

        var ask = new Command("ask", "Call red-box as this process (identified by the kernel): whoami, job, cancel, read, list, submit")
        {
            whoami, job, cancel, read, list, submit,
        };
        ask.Options.Add(socket);
        socket.Recursive = true;
        return ask;
    }

    private static void Bind(Command command, Option<string> socket, Func<Proto.RedBox.RedBoxClient, ParseResult, CancellationToken, Task> call)
    {
        command.SetAction(async (result, cancellationToken) =>
        {
            using var connection = RedBoxConnection.Connect(result.GetValue(socket)!);
            try
            {
                await call(connection.Client, result, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (SlurmException e)
            {
                await Console.Error.WriteLineAsync($"red-box: {e.Kind}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        });
    }
}
