using SlurmK8s.Cli;
using SlurmK8s.Operator;

namespace SlurmK8s.Tests.Operator;

/// <summary>Flags the operator refuses before it touches the API server (in process: the action stops at the flags).</summary>
[NonParallelizable]   // swaps Console.Error
internal sealed class OperatorCommandTests
{
    [TestCase("--results-volume-types=emptyDir,hostPath", "hostPath cannot be allowed everywhere")]
    [TestCase("--results-volume-types=pvc", "\"pvc\" is not a Kubernetes volume type")]
    [TestCase("--results-host-path-prefix=results", "--results-host-path-prefix \"results\" is not absolute")]
    [TestCase("--results-host-path-prefix=/data/../etc", "has a \"..\" segment")]
    [TestCase("--companion-uid=0", "companion pods never run as root")]
    [TestCase("--companion-cpu-request=ten", "--companion-cpu-request: 'ten' is not a Kubernetes quantity: e.g. 10m")]
    [TestCase("--companion-memory-request=32 Mi", "--companion-memory-request: '32 Mi' is not a Kubernetes quantity")]
    [TestCase("--companion-memory-limit=-1Gi", "--companion-memory-limit: '-1Gi' is negative")]
    [TestCase("--companion-memory-limit=0", "a companion needs memory to run")]
    [TestCase("--companion-memory-request=1Gi", "--companion-memory-request 1Gi is more than --companion-memory-limit 128Mi")]
    public async Task Operator_WithABadFlag_ExitsWithBadUsageAndSaysWhy(string flag, string words)
    {
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        int exitCode;
        try
        {
            exitCode = await OperatorCommand.Create().Parse(["--companion-image", "slurmk8s:test", flag]).InvokeAsync();
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.That(exitCode, Is.EqualTo(ExitCodes.BadUsage));
        Assert.That(error.ToString(), Does.Contain(words));
    }

    [Test]
    public void SocketGroupId_LeftUnsetInTheKustomizeBase_IsRefusedNamingWhereToSetIt()
    {
        var errors = OperatorCommand.Create().Parse(["--companion-image", "slurmk8s:test", "--socket-group-id=unset"]).Errors.Select(e => e.Message).ToList();

        Assert.That(errors, Has.One.Contains("set socket-gid in manifests/kustomization.yaml").And.Contains("getent group slurmk8s-clients"));
        Assert.That(OperatorCommand.Create().Parse(["--companion-image", "slurmk8s:test", "--socket-group-id=2003"]).Errors, Is.Empty);
    }

    [Test]
    public void LeavingOutACompanionResourceOrThePriorityClass_IsTheWordNone_AsTheFlagEqualsFormCannotBeEmpty()
    {
        string[] leftOut = ["--companion-image=slurmk8s:test", "--companion-cpu-request=none", "--companion-memory-request=none", "--companion-memory-limit=none", "--reattach-priority-class=none"];

        Assert.That(OperatorCommand.Create().Parse(leftOut).Errors, Is.Empty);
        Assert.That(OperatorCommand.Create().Parse(["--companion-image=slurmk8s:test", "--companion-memory-limit="]).Errors, Is.Not.Empty, "why the word");
        Assert.That(SharedOptions.NoneIsEmpty("none"), Is.Empty);
        Assert.That(SharedOptions.NoneIsEmpty("slurmk8s-reattach"), Is.EqualTo("slurmk8s-reattach"));
    }
}
