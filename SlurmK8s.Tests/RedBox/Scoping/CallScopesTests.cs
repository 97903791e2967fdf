using Microsoft.Extensions.Logging;
using SlurmK8s.Os;
using SlurmK8s.RedBox.Callers;
using SlurmK8s.RedBox.Scoping;
using SlurmK8s.RedBox.Tenancy;
using SlurmK8s.Slurm;
using SlurmK8s.Tests.Fakes;

namespace SlurmK8s.Tests.RedBox.Scoping;

/// <summary>Who a call acts as: from the caller the kernel showed and the tenancy file; every refusal logged with who asked.</summary>
public sealed class CallScopesTests
{
    private const string File = "/etc/slurmk8s/tenants.yaml";
    private RecordingLogger<CallScopes> _log = null!;
    private CallScopes _scopes = null!;

    [SetUp]
    public void SetUp()
    {
        _log = new RecordingLogger<CallScopes>();
        var users = new FakeUserDatabase().Add("chem", 2001);
        var map = TenancyFile.Parse("tenants:\n- name: chemistry\n  user: chem\n  account: chem\n  workRoot: /srv/chem\n  namespaces:\n  - namespace: chem\n"
            + "hostCallers:\n- uid: 0\n  tenant: chemistry\n", File, users);
        _scopes = new CallScopes(() => map, _log);
    }

    private static Caller Pod(string @namespace) => new(42, 1000, 1000, new PodIdentity(@namespace, "p", "uid-p", "default"));

    [Test]
    public void Of_APodOfAMappedNamespace_ActsAsItsTenant() =>
        Assert.That(_scopes.Of(CallerResolution.Identified(Pod("chem")), "/m").Tenant.Name, Is.EqualTo("chemistry"));

    [Test]
    public void Of_APodOfAnUnmappedNamespace_IsRefusedAndTheRefusalIsLoggedWithWhoAskedWhat()
    {
        var error = Assert.Throws<SlurmException>(() => _scopes.Of(CallerResolution.Identified(Pod("physics")), "/slurmk8s.redbox.v1.RedBox/SubmitJob"));

        Assert.That(error!.Kind, Is.EqualTo(SlurmErrorKind.PermissionDenied));
        Assert.That(error.Message, Does.Contain("namespace physics").And.Contain(File));
        var logged = _log.At(LogLevel.Warning).Single();
        Assert.That(logged, Does.Contain("SubmitJob").And.Contain("pod physics/p").And.Contain("pid 42 uid 1000").And.Contain("physics"));
    }

    [Test]
    public void Of_AnUnidentifiedCaller_IsRefusedNeverGuessed()
    {
        var error = Assert.Throws<SlurmException>(() => _scopes.Of(CallerResolution.Refused("the calling process exited"), "/m"));

        Assert.That(error!.Message, Does.Contain("could not tell who is calling").And.Contain("exited"));
        Assert.That(_log.At(LogLevel.Warning).Single(), Does.Contain("unidentified caller"));
    }

    [Test]
    public void Of_AHostProcessOfAnUnlistedUid_IsRefused()
    {
        var error = Assert.Throws<SlurmException>(() => _scopes.Of(CallerResolution.Identified(new Caller(7, 2002, 2002, null)), "/m"));

        Assert.That(error!.Message, Does.Contain("uid 2002").And.Contain(File));
    }
}
