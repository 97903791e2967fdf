using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Tests.Builders;

using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.EndToEnd;

/// <summary>
/// Issue 9 on the real cluster: namespaces team-a and team-b are tenants of their own in the demo's tenancy file
/// (manifests/tenants.yaml: users sk8s-team-a and sk8s-team-b, accounts team-a and team-b). Team B attacks team A's
/// running job from its companion pod (kubectl exec), from a pod of its own that mounts red-box's socket, through its
/// results.from and through a patched status; team A's job runs on.
/// </summary>
[Category("EndToEnd")]
[NonParallelizable]
internal sealed class TenancyOnTheClusterTests
{
    private const string TenancyFile = "/etc/slurmk8s/tenants.yaml";
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);
    private JobNamespace _a = null!;
    private JobNamespace _b = null!;

    [OneTimeSetUp]
    public async Task CreateNamespacesAsync()
    {
        _a = await JobNamespace.CreateNamedAsync("team-a");
        _b = await JobNamespace.CreateNamedAsync("team-b");
    }

    [OneTimeTearDown]
    public async Task DeleteNamespacesAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    /// <summary>A SlurmJob of team A that runs until cancelled (or five minutes), with its Slurm job id once Running.</summary>
    private async Task<(SlurmJob Job, long SlurmId)> StartVictimAsync(string name)
    {
        await _a.CreateScriptAsync(name, "#!/bin/sh\necho team a secret\nsleep 300\n");
        var running = await _a.WaitForPhaseAsync(name, SlurmJobPhase.Running, TimeSpan.FromSeconds(90));
        return (running, running.Status!.Slurm!.JobId);
    }

    [Test]
    public async Task EachNamespacesJob_RunsAsItsTenantsUserAndAccount_WithOutputThatUserOwns()
    {
        var (victim, id) = await StartVictimAsync("who-a");
        await _b.CreateScriptAsync("who-b", "#!/bin/sh\nid -un\n");
        var b = await _b.WaitForAsync("who-b", j => SlurmJobPhase.IsFinished(j.Status?.Phase), TimeSpan.FromSeconds(90), "finished");
        var bId = b.Status!.Slurm!.JobId;

        var runningAs = (await Command.RunAsync("squeue", "--noheader", $"--jobs={id}", "--format=%u|%a")).StandardOutput.Trim();
        var ranAs = await RealSlurm.AccountingFieldsAsync(bId, "User,Account");
        var logs = await _b.LogsAsync(JobNamespace.CompanionPodName("who-b"));

        Assert.That(runningAs, Is.EqualTo("sk8s-team-a|team-a"));
        Assert.That(ranAs, Is.EqualTo("sk8s-team-b|team-b"));
        Assert.That(b.Status.Phase, Is.EqualTo(SlurmJobPhase.Succeeded));
        Assert.That(logs, Does.Contain("sk8s-team-b"), "the job's output, in the companion's log");
        // Its own directory under its tenant's root: <workRoot>/<namespace>/<name>-<uid>.
        var output = $"/var/lib/slurmk8s/tenants/team-b/team-b/who-b-{b.Metadata.Uid}/slurm-{bId}.out";
        Assert.That((await Command.RunAsync("stat", "--format=%U", output)).StandardOutput.Trim(), Is.EqualTo("sk8s-team-b"));
        await _a.DeleteAsync(victim.Metadata.Name);
    }

    [Test]
    public async Task FromTeamBsCompanionPodAndFromAPodOfItsOwn_TeamAsJobFilesAndKeyAreOutOfReach()
    {
        var (victim, id) = await StartVictimAsync("victim");
        var victimOutput = $"/var/lib/slurmk8s/tenants/team-a/team-a/victim-{victim.Metadata.Uid}/slurm-{id}.out";
        await _b.CreateScriptAsync("attacker", "#!/bin/sh\nsleep 120\n");
        await _b.WaitForPhaseAsync("attacker", SlurmJobPhase.Running, TimeSpan.FromSeconds(90));
        var companion = JobNamespace.CompanionPodName("attacker");

        var whoami = await ExecAsync(companion, "whoami");
        var job = await ExecAsync(companion, "job", $"{id}");
        var cancel = await ExecAsync(companion, "cancel", $"{id}");
        var cancelByKey = await ExecAsync(companion, "cancel", "--key", victim.Metadata.Uid);
        var read = await ExecAsync(companion, "read", victimOutput);
        var readRelative = await ExecAsync(companion, "read", $"slurm-{id}.out");
        var list = await ExecAsync(companion, "list", "/var/lib/slurmk8s/tenants/team-a/**");
        var ownPodCancel = await RunPodWithTheSocketAsync("shell-cancel", "cancel", $"{id}");
        var ownPodKey = await RunPodWithTheSocketAsync("shell-key", "cancel", "--key", victim.Metadata.Uid);
        var ownPodRead = await RunPodWithTheSocketAsync("shell-read", "read", victimOutput);

        Assert.That(whoami.StandardOutput, Does.Contain("tenant:     team-b").And.Contain("user:       sk8s-team-b").And.Contain("pod team-b/attacker-job"));
        Assert.That(job.StandardOutput, Does.Contain("UNKNOWN").Or.Contain($"{id}  user="), "team A's job looks like no job at all");
        Assert.That(job.StandardOutput, Does.Not.Contain("sk8s-team-a"));
        Assert.That(cancel.StandardError, Does.Contain("NotFound"));
        Assert.That(cancelByKey.StandardError, Does.Contain("NotFound"));
        Assert.That(read.StandardError, Does.Contain("PermissionDenied"));
        Assert.That(readRelative.StandardError, Does.Contain("NotFound"));
        Assert.That(list.StandardError, Does.Contain("PermissionDenied"));
        // A pod of team B's own that mounts the socket fares no better.
        Assert.That(ownPodCancel, Does.Contain("NotFound"));
        Assert.That(ownPodKey, Does.Contain("NotFound"));
        Assert.That(ownPodRead, Does.Contain("PermissionDenied"));
        Assert.That(await RealSlurm.StateAsync(id), Is.EqualTo("RUNNING"), "team A's job runs on");
        await _a.DeleteAsync(victim.Metadata.Name);
        await _b.DeleteAsync("attacker");
    }

    [Test]
    public async Task TeamBsResultsFromNamingTeamAsOutput_CollectsNothingOfIt_AndSaysWhatThisJobsOutputIs()
    {
        var (victim, id) = await StartVictimAsync("from-victim");
        await _b.CreateScriptAsync("thief", "#!/bin/sh\necho mine\n", resultsFrom: $"slurm-{id}.out");

        var thief = await _b.WaitForAsync("thief", j => SlurmJobPhase.IsFinished(j.Status?.Phase), TimeSpan.FromSeconds(90), "finished");
        // The companion collects after Slurm says the job is over: its warning comes after the phase.
        var events = await Eventually.ValueAsync(async () => (await _b.EventsAsync("thief")).Select(e => e.Message).ToList(),
            messages => messages.Any(m => m.Contains("its output file is", StringComparison.Ordinal)), "the companion's results warning", Minute);

        Assert.That(events, Has.Some.Contains($"slurm-{id}.out").And.Some.Contains($"its output file is slurm-{thief.Status!.Slurm?.JobId}.out"), string.Join("\n", events));
        var collected = JobNamespace.ResultsFolder("thief");
        Assert.That(Directory.Exists(collected) ? Directory.GetFiles(collected, "*", SearchOption.AllDirectories) : [], Is.Empty);
        Assert.That(await RealSlurm.StateAsync(id), Is.EqualTo("RUNNING"));
        await _a.DeleteAsync(victim.Metadata.Name);
    }

    [Test]
    public async Task TeamBsStatusPatchedWithTeamAsJobId_DeletingItDoesNotCancelTeamAsJob()
    {
        var (victim, id) = await StartVictimAsync("patch-victim");
        await _b.CreateScriptAsync("patched", "#!/bin/sh\nsleep 120\n");
        var own = (await _b.WaitForPhaseAsync("patched", SlurmJobPhase.Running, TimeSpan.FromSeconds(90))).Status!.Slurm!.JobId;

        var patch = $"{{\"status\":{{\"slurmJobId\":{id}}}}}";
        await LocalCluster.KubectlSucceedsAsync("patch", "slurmjob", "patched", "-n", "team-b", "--subresource=status", "--type=merge", "-p", patch);
        await _b.DeleteAsync("patched");
        await _b.WaitUntilGoneAsync("patched", TimeSpan.FromSeconds(90));

        Assert.That(await RealSlurm.StateAsync(own), Is.EqualTo("CANCELLED"), "its own job, found by its key, is what was cancelled");
        Assert.That(await RealSlurm.StateAsync(id), Is.EqualTo("RUNNING"), "team A's job runs on");
        await _a.DeleteAsync(victim.Metadata.Name);
    }

    [Test]
    public async Task UnmappedNamespace_EndsFailedNamingItAndTheFile_ABrokenFileChangesNothing_RunningJobsAreUntouched()
    {
        var (victim, id) = await StartVictimAsync("untouched");
        var original = await File.ReadAllTextAsync(TenancyFile);
        await using var stranger = await JobNamespace.CreateAsync("unmapped");
        try
        {
            // A broken file first: the last good one stays in force.
            await ReplaceTenancyAsync(original + "\ntenants: [this is not\n");
            await Task.Delay(TimeSpan.FromSeconds(2));
            await _b.CreateScriptAsync("still-mapped", "#!/bin/sh\ntrue\n");
            var stillMapped = await _b.WaitForAsync("still-mapped", j => SlurmJobPhase.IsFinished(j.Status?.Phase), TimeSpan.FromSeconds(90), "finished");
            Assert.That(stillMapped.Status!.Phase, Is.EqualTo(SlurmJobPhase.Succeeded));

            // No default tenant: a namespace the file does not name is refused.
            await ReplaceTenancyAsync(original.Replace("defaultTenant: jobs", "defaultTenant: \"\"", StringComparison.Ordinal));
            await Task.Delay(TimeSpan.FromSeconds(2));
            await stranger.CreateScriptAsync("refused", "#!/bin/sh\ntrue\n");
            var refused = await stranger.WaitForAsync("refused", j => SlurmJobPhase.IsFinished(j.Status?.Phase), TimeSpan.FromSeconds(90), "finished");

            Assert.That(refused.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
            Assert.That(refused.Status.Slurm?.JobId, Is.Null, "nothing was submitted");
            var refusal = $"namespace {stranger.Name} is not mapped to a tenant in {TenancyFile}";
            Assert.That((refused.Status.Conditions ?? []).Select(c => c.Message), Has.Some.Contains(refusal), "in its status");
            Assert.That((await stranger.EventsAsync("refused")).Select(e => e.Message), Has.Some.Contains(refusal), "and an event");
            Assert.That(await RealSlurm.StateAsync(id), Is.EqualTo("RUNNING"), "a job already running is untouched");
        }
        finally
        {
            await ReplaceTenancyAsync(original);
            await _a.DeleteAsync(victim.Metadata.Name);
        }
    }

    [Test]
    public async Task HostProcessOfAnUnlistedUid_InTheSocketsGroup_IsRefused_AndRootIsItsTenant()
    {
        // uid 1000 in the socket's group may connect, but the tenancy file lists only root among host callers.
        var binary = Integration.SlurmK8sProcess.RequirePublishedBinary();
        var group = (await Command.RunAsync("getent", "group", "slurmk8s-clients")).StandardOutput.Split(':')[2];

        var stranger = await Command.RunAsync("setpriv", "--reuid=1000", "--regid=1000", $"--groups={group}", "--", binary, "redbox", "ask", "whoami");
        var root = await Command.RunAsync(binary, "redbox", "ask", "whoami");

        Assert.That(stranger.ExitCode, Is.Not.Zero);
        Assert.That(stranger.StandardError, Does.Contain("PermissionDenied").And.Contain("1000").And.Contain(TenancyFile));
        Assert.That(root.StandardOutput, Does.Contain("host process").And.Contain("tenant:     jobs").And.Contain("user:       sk8s-jobs"));
    }

    [Test]
    public async Task ResultsVolumeOutsideThePolicy_EndsFailedNamingIt_AndNoPodIsMade()
    {
        var job = Samples.Read("hello.yaml");
        job.Spec.Results!.Mount = new V1Volume { Name = "steal", HostPath = new V1HostPathVolumeSource { Path = "/etc" } };
        await _b.CreateJobAsync(job, "hostpath-etc");

        var failed = await _b.WaitForAsync("hostpath-etc", j => SlurmJobPhase.IsFinished(j.Status?.Phase), Minute, "finished");

        Assert.That(failed.Status!.Phase, Is.EqualTo(SlurmJobPhase.Failed));
        var said = string.Join("\n", (failed.Status.Conditions ?? []).Select(c => $"{c.Reason}: {c.Message}"));
        Assert.That(said, Does.Contain("ResultsVolumeNotAllowed").And.Contain("/etc"));
        Assert.That(await _b.GetPodAsync(JobNamespace.CompanionPodName("hostpath-etc")), Is.Null);
    }

    /// <summary>`slurmk8s redbox ask …` inside team B's companion pod.</summary>
    private static Task<SlurmK8s.Os.ProcessResult> ExecAsync(string pod, params string[] ask) =>
        LocalCluster.KubectlAsync(["exec", "-n", "team-b", pod, "--", "/slurmk8s", "redbox", "ask", .. ask]);

    /// <summary>A pod of team B's own (not a companion) that mounts red-box's socket as the companion does and runs one `ask`; its log.</summary>
    private async Task<string> RunPodWithTheSocketAsync(string name, params string[] ask)
    {
        var companion = await _b.GetPodAsync(JobNamespace.CompanionPodName("attacker"));
        var spec = companion!.Spec;
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team-b" },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                NodeName = spec.NodeName,
                SecurityContext = spec.SecurityContext,
                Volumes = spec.Volumes.Where(v => v.Name == SlurmK8s.Operator.CompanionPod.SocketVolume).ToList(),
                Containers =
                [
                    new V1Container
                    {
                        Name = "ask", Image = spec.Containers[0].Image, ImagePullPolicy = "Never", Args = ["redbox", "ask", .. ask],
                        VolumeMounts = spec.Containers[0].VolumeMounts.Where(m => m.Name == SlurmK8s.Operator.CompanionPod.SocketVolume).ToList(),
                    },
                ],
            },
        };
        await _b.Client.CoreV1.CreateNamespacedPodAsync(pod, "team-b");
        await Eventually.ValueAsync(() => _b.GetPodAsync(name), p => p?.Status?.Phase is "Succeeded" or "Failed", $"pod {name} done", Minute, JobNamespace.Describe);
        return await _b.LogsAsync(name);
    }

    private static async Task ReplaceTenancyAsync(string text)
    {
        var temporary = TenancyFile + ".e2e";
        await File.WriteAllTextAsync(temporary, text);
        File.SetUnixFileMode(temporary, (UnixFileMode)0x1A4);
        File.Move(temporary, TenancyFile, overwrite: true);
    }
}
