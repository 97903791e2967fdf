using System.Text.Json;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Slurm;

namespace SlurmK8s.Tests.Api;

internal sealed class SlurmJobJsonTests
{
    [Test]
    public void Deserialize_TheSeedsCowJob_ReadsEveryField()
    {
        const string json = """
            {"apiVersion":"slurm.sylabs.io/v1alpha1","kind":"SlurmJob","metadata":{"name":"cow"},
             "spec":{"batch":"#!/bin/sh\necho moo\n","nodeSelector":{"slurm.sylabs.io/containers":"singularity"},
                     "results":{"mount":{"name":"data","hostPath":{"path":"/home/job-results","type":"DirectoryOrCreate"}},"from":"slurm-4.out"}}}
            """;

        var job = JsonSerializer.Deserialize(json, ApiJsonContext.Default.SlurmJob)!;

        Assert.That(job.Metadata.Name, Is.EqualTo("cow"));
        Assert.That(job.Spec.Batch, Does.StartWith("#!/bin/sh"));
        Assert.That(job.Spec.NodeSelector!["slurm.sylabs.io/containers"], Is.EqualTo("singularity"));
        Assert.That(job.Spec.Results!.Mount!.Name, Is.EqualTo("data"));
        Assert.That(job.Spec.Results.Mount.HostPath.Path, Is.EqualTo("/home/job-results"));
        Assert.That(job.Spec.Results.From, Is.EqualTo("slurm-4.out"));
        Assert.That(job.Status, Is.Null);
    }

    [Test]
    public void Serialize_Status_WritesEachWritersFieldInItsOwnObjectInSlurmsSpelling()
    {
        var status = new SlurmJobStatus
        {
            Slurm = new SlurmJobFacts { JobId = 42, State = JobState.NodeFail, StartTime = new DateTime(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc) },
            Companion = new CompanionReport { SubmitFailure = new SubmitFailure { Reason = SubmitFailureReason.SubmitDenied, Message = "no" } },
        };

        var json = JsonSerializer.Serialize(status, ApiJsonContext.Default.SlurmJobStatus);

        Assert.That(json, Does.Contain("\"slurm\":{\"jobId\":42,\"state\":\"NODE_FAIL\",\"startTime\":\"2026-11-24T10:00:00"));
        Assert.That(json, Does.Contain("\"companion\":{\"submitFailure\":{\"reason\":\"SubmitDenied\",\"message\":\"no\"}}"));
        Assert.That(json, Does.Not.Contain("phase").And.Not.Contain("exitCode"));
    }

    [TestCase("PENDING", JobState.Pending)]
    [TestCase("OUT_OF_MEMORY", JobState.OutOfMemory)]
    [TestCase("BOOT_FAIL", JobState.BootFail)]
    [TestCase("SOMETHING_NEW", JobState.Unknown)]
    public void Deserialize_SlurmState_ReadsSlurmsSpelling(string word, JobState state)
    {
        var status = JsonSerializer.Deserialize($"{{\"slurm\":{{\"jobId\":1,\"state\":\"{word}\"}}}}", ApiJsonContext.Default.SlurmJobStatus)!;

        Assert.That(status.Slurm!.State, Is.EqualTo(state));
    }

    [Test]
    public void PhaseFromSlurm_EveryStateHasItsPhase()
    {
        Assert.Multiple(() =>
        {
            foreach (var state in Enum.GetValues<JobState>())
            {
                var phase = SlurmJobPhase.FromSlurm(state);
                Assert.That(phase is null, Is.EqualTo(state is JobState.Unspecified or JobState.Unknown), $"{state} → {phase}");
                Assert.That(SlurmJobPhase.IsFinished(phase), Is.EqualTo(state.IsFinished()), $"{state}: finished in Slurm iff the phase is final");
            }
        });
    }
}
