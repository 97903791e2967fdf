using k8s;
using SlurmK8s.Api.V1Alpha1;

namespace SlurmK8s.Tests.Api;

internal sealed class SlurmJobJsonTests
{
    [OneTimeSetUp]
    public void Register() => ApiJson.Register();

    [Test]
    public void Deserialize_TheSeedsCowJob_ReadsEveryField()
    {
        const string json = """
            {"apiVersion":"slurm.sylabs.io/v1alpha1","kind":"SlurmJob","metadata":{"name":"cow"},
             "spec":{"batch":"#!/bin/sh\necho moo\n","nodeSelector":{"slurm.sylabs.io/containers":"singularity"},
                     "results":{"mount":{"name":"data","hostPath":{"path":"/home/job-results","type":"DirectoryOrCreate"}},"from":"slurm-4.out"}}}
            """;

        var job = KubernetesJson.Deserialize<SlurmJob>(json);

        Assert.That(job.Metadata.Name, Is.EqualTo("cow"));
        Assert.That(job.Spec.Batch, Does.StartWith("#!/bin/sh"));
        Assert.That(job.Spec.NodeSelector!["slurm.sylabs.io/containers"], Is.EqualTo("singularity"));
        Assert.That(job.Spec.Results!.Mount!.Name, Is.EqualTo("data"));
        Assert.That(job.Spec.Results.Mount.HostPath.Path, Is.EqualTo("/home/job-results"));
        Assert.That(job.Spec.Results.From, Is.EqualTo("slurm-4.out"));
        Assert.That(job.Status, Is.Null);
    }

    [Test]
    public void Serialize_Status_WritesCamelCaseAndOmitsUnsetFields()
    {
        var status = new SlurmJobStatus { SlurmJobId = 42, SlurmState = "RUNNING", StartTime = new DateTime(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc) };

        var json = KubernetesJson.Serialize(status);

        Assert.That(json, Does.Contain("\"slurmJobId\":42").And.Contain("\"slurmState\":\"RUNNING\"").And.Contain("\"startTime\":\"2026-11-24T10:00:00"));
        Assert.That(json, Does.Not.Contain("phase").And.Not.Contain("exitCode"));
    }
}
