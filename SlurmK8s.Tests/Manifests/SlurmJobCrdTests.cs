using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.Manifests;

/// <summary>The CRD from manifests/crds/ on the real API server (v1.20.2), driven with kubectl as a user would.</summary>
[Category("Integration")]
internal sealed partial class SlurmJobCrdTests
{
    [OneTimeSetUp]
    public Task InstallAsync() => SlurmJobCrd.EnsureInstalledAsync();

    [Test]
    public async Task Crd_FromManifests_IsEstablishedUnderItsNames()
    {
        using var client = RealApiServer.CreateClient();

        var crd = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(SlurmJobCrd.Name);

        Assert.That(crd.Spec.Group, Is.EqualTo(SlurmJob.Group));
        Assert.That(crd.Spec.Scope, Is.EqualTo("Namespaced"));
        Assert.That(crd.Status.AcceptedNames.Kind, Is.EqualTo(SlurmJob.KindName));
        Assert.That(crd.Status.AcceptedNames.Plural, Is.EqualTo(SlurmJob.Plural));
        Assert.That(crd.Status.AcceptedNames.Singular, Is.EqualTo("slurmjob"));
        Assert.That(crd.Status.AcceptedNames.ShortNames, Is.EqualTo(new[] { "sj" }));
        Assert.That(crd.Status.Conditions.Where(c => c.Status == "True").Select(c => c.Type), Is.SupersetOf(new[] { "Established", "NamesAccepted" }));
        var version = crd.Spec.Versions.Single();
        Assert.That((version.Name, version.Served, version.Storage), Is.EqualTo((SlurmJob.Version, true, true)));
        Assert.That(version.Subresources?.Status, Is.Not.Null, "the status subresource");
    }

    [TestCaseSource(typeof(RepositoryFiles), nameof(RepositoryFiles.SampleNames))]
    public async Task Sample_IsAcceptedAndStoredWithoutPruning(string sample)
    {
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client, "sample");
        var path = RepositoryFiles.Sample(sample);

        var sent = JsonNode.Parse(await Kubectl.SucceedAsync("create", "--dry-run=client", "-o", "json", "-f", path))!;
        var stored = JsonNode.Parse(await Kubectl.SucceedAsync("create", "-n", ns, "-o", "json", "-f", path))!;

        // The API server silently drops fields its schema does not know: a spec that comes back different lost some.
        Assert.That(JsonNode.DeepEquals(stored["spec"], sent["spec"]), Is.True, $"{sample}: the stored spec differs from the file's\nsent:   {sent["spec"]}\nstored: {stored["spec"]}");
        var job = stored.Deserialize(ApiJsonContext.Default.SlurmJob)!;
        Assert.That(job.Kind, Is.EqualTo(SlurmJob.KindName));
        Assert.That(job.Spec.Batch, Does.StartWith("#!/bin/sh"), "every sample is a #!/bin/sh script");
        Assert.That(job.Spec.Results?.Mount?.Name, Is.Not.Empty, "every sample collects results into a volume");
    }

    public static IEnumerable<TestCaseData> InvalidSpecs()
    {
        TestCaseData Case(string name, string spec, params string[] expected) => new TestCaseData(spec, expected).SetArgDisplayNames(name);

        yield return Case("no spec", "", "spec: Required value");
        yield return Case("missing batch", "spec: {nodeSelector: {a: b}}", "spec.batch: Required value");
        yield return Case("empty batch", "spec: {batch: ''}", "spec.batch in body should be at least 1 chars long");
        yield return Case("blank batch", "spec: {batch: \"  \\n\\t \\n\"}", "spec.batch in body should match");
        yield return Case("nodeSelector value not a string", "spec: {batch: 'echo', nodeSelector: {gpu: 2}}", "spec.nodeSelector.gpu in body must be of type string");
        yield return Case("results.mount without name", "spec: {batch: 'echo', results: {mount: {hostPath: {path: /r}}}}", "spec.results.mount.name: Required value");
        yield return Case("bad mount name", "spec: {batch: 'echo', results: {mount: {name: Results_1, hostPath: {path: /r}}}}", "spec.results.mount.name in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'");
        yield return Case("mount name too long", $"spec: {{batch: 'echo', results: {{mount: {{name: {new string('a', 64)}, hostPath: {{path: /r}}}}}}}}", "spec.results.mount.name in body should be at most 63 chars long");
        yield return Case("results.files not a list", "spec: {batch: 'echo', results: {files: 'out/*.csv'}}", "spec.results.files in body must be of type array");
        yield return Case("results.files with an empty entry", "spec: {batch: 'echo', results: {files: ['a.txt', '']}}", "spec.results.files in body should be at least 1 chars long");
        yield return Case("results.from empty", "spec: {batch: 'echo', results: {from: ''}}", "spec.results.from in body should be at least 1 chars long");
        yield return Case("two faults at once", "spec: {results: {from: ''}}", "spec.batch: Required value", "spec.results.from in body should be at least 1 chars long");
    }

    [TestCaseSource(nameof(InvalidSpecs))]
    public async Task Create_InvalidSlurmJob_IsRejectedNamingTheField(string spec, string[] expected)
    {
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client, "invalid");
        var yaml = $"apiVersion: {SlurmJob.ApiVersionName}\nkind: {SlurmJob.KindName}\nmetadata:\n  name: bad\n{spec}\n";

        // --validate=false: kubectl would otherwise refuse some of these itself; the API server's words are the subject.
        var result = await Kubectl.RunWithInputAsync(yaml, "create", "--validate=false", "-n", ns, "-f", "-");

        Assert.That(result.ExitCode, Is.Not.Zero, $"accepted:\n{yaml}");
        Assert.That(result.StandardError, Does.Contain("The SlurmJob \"bad\" is invalid"));
        foreach (var message in expected)
        {
            Assert.That(result.StandardError, Does.Contain(message));
        }
    }

    [Test]
    public async Task Explain_SpecResults_PrintsTheSchemaDescriptions()
    {
        // 1.20 serves no OpenAPI v3; kubectl 1.32's explain falls back to the v2 document by itself.
        var results = await Kubectl.SucceedAsync("explain", "slurmjob.spec.results");
        var batch = await Kubectl.SucceedAsync("explain", "sj.spec.batch");

        Assert.That(Flat(results), Does.Contain("Where to copy the job's result files when it ends")
            .And.Contain("files <[]string> Files or globs to collect")
            .And.Contain("from <string> One file to collect")
            .And.Contain("mount <Object> A Kubernetes volume"));
        Assert.That(Flat(batch), Does.Contain("The batch script, given to sbatch as is; required and not blank."));
    }

    [Test]
    public async Task Explain_ResultsMount_ListsTheVolumeSourcesItAccepts()
    {
        var mount = Flat(await Kubectl.SucceedAsync("explain", "slurmjob.spec.results.mount"));

        foreach (var source in new[] { "hostPath", "persistentVolumeClaim", "nfs", "emptyDir", "csi", "ephemeral" })
        {
            Assert.That(mount, Does.Contain(source + " <"), mount);
        }
        Assert.That(mount, Does.Contain("--results-host-path-prefix"));
    }

    [Test]
    public async Task Create_NameLongerThanALabelValue_IsRefusedAtOnceWithTheLimit()
    {
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client, "longname");
        var name = new string('a', 64);
        var yaml = $"apiVersion: {SlurmJob.ApiVersionName}\nkind: {SlurmJob.KindName}\nmetadata:\n  name: {name}\nspec: {{batch: 'echo'}}\n";

        var result = await Kubectl.RunWithInputAsync(yaml, "create", "--validate=false", "-n", ns, "-f", "-");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardError, Does.Contain("metadata.name").And.Contain("at most 63 chars long"));
        var fits = await Kubectl.RunWithInputAsync(yaml.Replace(name, name[..63], StringComparison.Ordinal), "create", "-n", ns, "-f", "-");
        Assert.That(fits.ExitCode, Is.Zero, fits.StandardError);
    }

    [Test]
    public async Task GetSlurmJobs_AfterAStatusPatch_ShowsThePrinterColumns()
    {
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client, "columns");
        await Kubectl.SucceedAsync("create", "-n", ns, "-f", RepositoryFiles.Sample("cow.yaml"));

        await Kubectl.SucceedAsync("patch", "sj", "cow", "-n", ns, "--subresource=status", "--type=merge",
            "-p", """{"status":{"phase":"Running","nodeName":"node02","slurm":{"jobId":4,"cluster":"second","nodeList":"n[1-2]"}}}""");
        var table = await Kubectl.SucceedAsync("get", "sj", "-n", ns);

        var rows = table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.That(rows[0], Is.EqualTo(new[] { "NAME", "STATUS", "SLURMID", "CLUSTER", "NODE", "AGE" }));
        Assert.That(rows[1][..5], Is.EqualTo(new[] { "cow", "Running", "4", "second", "n[1-2]" }));
        Assert.That(rows[1][5], Does.Match("^[0-9]+s$"), "Age");
        var wide = (await Kubectl.SucceedAsync("get", "sj", "-n", ns, "-o", "wide")).Split('\n')[0];
        Assert.That(wide, Does.Contain("SUBMIT-NODE"), "the submit host with -o wide");
    }

    [Test]
    public async Task StatusPatch_WithEveryStatusField_IsStoredUnchanged()
    {
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client, "status");
        await Kubectl.SucceedAsync("create", "-n", ns, "-f", RepositoryFiles.Sample("array.yaml"));
        var sent = JsonSerializer.SerializeToNode(FullStatus(), ApiJsonContext.Default.SlurmJobStatus)!.AsObject();
        Assert.That(sent.Select(p => p.Key), Is.EquivalentTo(ApiJsonContext.Default.SlurmJobStatus.Properties.Select(p => p.Name)),
            "FullStatus() must set every SlurmJobStatus field");

        await Kubectl.SucceedAsync("patch", "sj", "array", "-n", ns, "--subresource=status", "--type=merge",
            "-p", new JsonObject { ["status"] = sent.DeepClone() }.ToJsonString());
        var stored = JsonNode.Parse(await Kubectl.SucceedAsync("get", "sj", "array", "-n", ns, "-o", "json"))!["status"];

        // A C# status field the schema lacks would be pruned by the API server and missing here.
        Assert.That(JsonNode.DeepEquals(stored, sent), Is.True, $"sent:   {sent}\nstored: {stored}");
    }

    [Test]
    public async Task StatusPatch_WithAnUnknownPhase_IsRejected()
    {
        using var client = RealApiServer.CreateClient();
        var ns = await RealApiServer.NewNamespaceAsync(client, "phase");
        await Kubectl.SucceedAsync("create", "-n", ns, "-f", RepositoryFiles.Sample("hello.yaml"));

        var result = await Kubectl.RunAsync("patch", "sj", "hello", "-n", ns, "--subresource=status", "--type=merge",
            "-p", """{"status":{"phase":"Done"}}""");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardError, Does.Contain("status.phase: Unsupported value: \"Done\"").And.Contain("\"Succeeded\""));
    }

    private static SlurmJobStatus FullStatus()
    {
        var t = new DateTime(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc);
        return new SlurmJobStatus
        {
            Phase = SlurmJobPhase.Running,
            Conditions = [new V1Condition { Type = "Scheduled", Status = "True", ObservedGeneration = 1, LastTransitionTime = t, Reason = "PodScheduled", Message = "companion pod array-job runs on node01" }],
            ObservedGeneration = 1,
            PodName = "array-job",
            NodeName = "node01",
            Slurm = new SlurmJobFacts
            {
                JobId = 2_147_483_648, // beyond int32: Slurm ids are int64 in the schema
                Cluster = "slurmk8s",
                State = JobState.NodeFail,
                ExitCode = 0,
                Signal = 9,
                Reason = "None",
                SubmitTime = t,
                StartTime = t.AddSeconds(1),
                EndTime = t.AddSeconds(20),
                NodeList = "n[1-3]",
                WorkDir = "/var/lib/slurmk8s/tenants/jobs/default/array-uid",
                StdOut = "/var/lib/slurmk8s/tenants/jobs/default/array-uid/slurm-2147483648_1.out",
                ArrayTasks = new ArrayTaskCounts { Total = 6, Pending = 1, Running = 1, Succeeded = 1, Failed = 1, Cancelled = 2 },
                FailedTasks = [new FailedArrayTask { TaskId = 4, State = JobState.Failed, Reason = "NonZeroExitCode", ExitCode = 2 }],
            },
            Companion = new CompanionReport
            {
                SubmittedGeneration = 1,
                SubmitFailure = new SubmitFailure { Reason = SubmitFailureReason.SubmitDenied, Message = "no" },
                Results = new ResultsReport { Outcome = ResultsOutcome.ResultsMissing, Files = 2, Message = "result files not found: out.csv" },
                Outage = new Outage { Component = OutageComponent.Slurmctld, Where = "cluster slurmk8s", Since = t.AddSeconds(30), Message = "Unable to contact slurm controller" },
            },
        };
    }

    /// <summary>kubectl wraps descriptions to the terminal: compare with whitespace runs folded to one space.</summary>
    private static string Flat(string text) => Whitespace().Replace(text, " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
