using System.CommandLine;
using SlurmK8s.Cli;
using SlurmK8s.Companion;
using SlurmK8s.Operator;
using SlurmK8s.RedBoxContract;
using SlurmK8s.Resourced;

namespace SlurmK8s.Tests.Cli;

public sealed class SharedOptionsTests
{
    private static IEnumerable<TestCaseData> Roles()
    {
        yield return new TestCaseData("operator", new[] { "--companion-image", "img" }, "json").SetName("Operator");
        yield return new TestCaseData("resourced", Array.Empty<string>(), "json").SetName("Resourced");
        yield return new TestCaseData("redbox", Array.Empty<string>(), "json").SetName("RedBox");
        // Its log is read in `kubectl logs`, beside the job's output: short human lines by default.
        yield return new TestCaseData("companion", Array.Empty<string>(), "human").SetName("Companion");
    }

    [Test]
    public void Operator_KubeApiLimit_DefaultsToTheMeasuredOneAndTakesOthers()
    {
        var (defaults, given) = (Root().Parse(["operator", "--companion-image", "img"]), Root().Parse(["operator", "--companion-image", "img", "--kube-api-qps", "20", "--kube-api-burst", "30"]));

        Assert.That((defaults.GetValue<double>("--kube-api-qps"), defaults.GetValue<int>("--kube-api-burst")),
            Is.EqualTo((OperatorOptions.DefaultKubeApiLimits.Qps, OperatorOptions.DefaultKubeApiLimits.Burst)));
        Assert.That((given.GetValue<double>("--kube-api-qps"), given.GetValue<int>("--kube-api-burst")), Is.EqualTo((20.0, 30)));
    }

    [Test]
    public void Operator_KubeApiBurstBelowOne_IsRefused() =>
        Assert.That(Root().Parse(["operator", "--companion-image", "img", "--kube-api-burst", "0"]).Errors.Select(e => e.Message),
            Has.One.Contains("--kube-api-burst must be at least 1"));

    [TestCase(0.0, true)]
    [TestCase(-1.0, true)]
    [TestCase(5.0, false)]
    public void KubeApiLimits_WithoutAPositiveRate_IsNoLimitAtAll(double qps, bool unlimited)
    {
        var limits = new SlurmK8s.Kube.KubeApiLimits(qps, 10);

        Assert.That((limits.IsUnlimited, limits.CreateBucket() is null), Is.EqualTo((unlimited, unlimited)));
    }

    [TestCaseSource(nameof(Roles))]
    public void EveryRole_TakesTheSharedOptions_WithOneSpellingAndDefault(string role, string[] required, string logFormat)
    {
        var result = Root().Parse([role, .. required]);

        Assert.That(result.Errors, Is.Empty);
        Assert.That(result.GetValue<string>("--socket"), Is.EqualTo(RedBoxSocket.DefaultPath));
        Assert.That(result.GetValue<string>("--log-format"), Is.EqualTo(logFormat));
        Assert.That(result.CommandResult.Command.Options.Select(o => o.Name), Does.Contain("--kubeconfig"));
    }

    [Test]
    public void Operator_OldSocketSpelling_StillWorks_AndTheNewOneWins()
    {
        Assert.That(Root().Parse(["operator", "--companion-image", "img", "--red-box-socket", "/old.sock"]).GetValue<string>("--socket"),
            Is.EqualTo("/old.sock"));
        Assert.That(Root().Parse(["operator", "--companion-image", "img", "--red-box-socket", "/old.sock", "--socket", "/new.sock"])
            .GetValue<string>("--socket"), Is.EqualTo("/new.sock"));
        Assert.That(OperatorCommand.Create().Options.Single(o => o.Name == "--red-box-socket").Hidden, Is.True);
    }

    [Test]
    public void LogFormat_TakesOnlyJsonOrText() =>
        Assert.That(new RootCommand { SharedOptions.LogFormat() }.Parse(["--log-format", "xml"]).Errors, Is.Not.Empty);

    private static RootCommand Root() => new()
    {
        OperatorCommand.Create(), ResourcedCommand.Create(), SlurmK8s.RedBox.RedBoxCommand.Create(), CompanionCommand.Create(),
    };
}
