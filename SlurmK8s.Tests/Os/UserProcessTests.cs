using SlurmK8s.Os;

namespace SlurmK8s.Tests.Os;

/// <summary>On the real kernel: a process run as another user has that user's ids, no capability and none of red-box's environment.</summary>
public sealed class UserProcessTests
{
    private static readonly UnixUser Nobody = new("nobody", 65534, 65534, [65534], "/nonexistent");

    [Test]
    public async Task RunAsync_AsAUser_RunsWithItsIdsAndNoCapabilities()
    {
        var result = await new ProcessRunner().RunAsync("/bin/sh", ["-c", "id -u; id -g; id -G; grep -E '^Cap(Eff|Prm|Amb)' /proc/self/status"], null,
            CancellationToken.None, Nobody);

        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("65534"));
        Assert.That(lines[1], Is.EqualTo("65534"));
        Assert.That(lines[2], Is.EqualTo("65534"), "only the user's own groups, none of red-box's");
        Assert.That(lines[3..], Has.All.EndsWith("0000000000000000"));
    }

    [Test]
    public async Task RunAsync_AsAUser_GetsItsOwnEnvironmentNotRedBoxs()
    {
        Environment.SetEnvironmentVariable("SLURMK8S_SECRET_OF_REDBOX", "leak");
        try
        {
            var result = await new ProcessRunner().RunAsync("/usr/bin/env", [], null, CancellationToken.None, Nobody);

            Assert.That(result.StandardOutput, Does.Not.Contain("SLURMK8S_SECRET_OF_REDBOX"));
            Assert.That(result.StandardOutput, Does.Contain("USER=nobody").And.Contain("HOME=/nonexistent"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SLURMK8S_SECRET_OF_REDBOX", null);
        }
    }

    [Test]
    public async Task RunAsync_AsAUser_ReadsStandardInput()
    {
        var result = await new ProcessRunner().RunAsync("/bin/cat", [], "script text", CancellationToken.None, Nobody);

        Assert.That(result.StandardOutput, Is.EqualTo("script text"));
    }
}
