using k8s;
using k8s.Models;
using SlurmK8s.Tests.Integration;

namespace SlurmK8s.Tests.Manifests;

/// <summary>manifests/*.yaml against the real API server: they apply, and the RBAC in them grants what it says and no more.</summary>
[Category("Integration")]
internal sealed class ManifestTests
{
    private const string OperatorUser = "system:serviceaccount:default:slurm-operator";
    private string _ownNamespace = "";

    [OneTimeSetUp]
    public async Task InstallRbacAsync()
    {
        await SlurmJobCrd.EnsureInstalledAsync();
        using var client = RealApiServer.CreateClient();
        _ownNamespace = await RealApiServer.NewNamespaceAsync(client, "rbac");
        await Kubectl.SucceedAsync("apply", "-f", RepositoryFiles.Manifest("operator-rbac.yaml"));
        // Its own namespace too (slurmk8s-system), which a server dry-run cannot create.
        await Kubectl.SucceedAsync("apply", "-f", RepositoryFiles.Manifest("redbox-rbac.yaml"));
        // As its header tells an administrator: once per namespace where SlurmJobs run.
        await Kubectl.SucceedAsync("apply", "-n", _ownNamespace, "-f", RepositoryFiles.Manifest("companion-rbac.yaml"));
    }

    [TestCaseSource(typeof(RepositoryFiles), nameof(RepositoryFiles.ManifestNames))]
    public async Task Manifest_AppliesWithServerDryRun(string manifest)
    {
        var result = await Kubectl.RunAsync("apply", "--dry-run=server", "-f", RepositoryFiles.Manifest(manifest));

        Assert.That(result.ExitCode, Is.Zero, result.StandardError);
        Assert.That(result.StandardOutput, Does.Contain("(server dry run)"));
    }

    [Test]
    public async Task Kustomization_AppliesWithServerDryRun()
    {
        var result = await Kubectl.RunAsync("apply", "--dry-run=server", "-k", RepositoryFiles.ManifestsDirectory);

        Assert.That(result.ExitCode, Is.Zero, result.StandardError);
        Assert.That(result.StandardOutput, Does.Contain("daemonset.apps/resourced created (server dry run)").Or.Contain("daemonset.apps/resourced configured (server dry run)"));
    }

    /// <summary>Who, verb, resource[/subresource], namespace ("own": the companion's, "other", "default", "": cluster-wide), name, allowed.</summary>
    public static IEnumerable<TestCaseData> Permissions()
    {
        TestCaseData Companion(string verb, string resource, string ns, bool allowed) =>
            new TestCaseData("companion", verb, resource, ns, "", allowed).SetArgDisplayNames("companion", verb, resource, ns, allowed ? "allowed" : "denied");
        TestCaseData Operator(string verb, string resource, string ns, bool allowed, string name = "") =>
            new TestCaseData("operator", verb, resource, ns, name, allowed).SetArgDisplayNames("operator", verb, resource, ns, name, allowed ? "allowed" : "denied");

        // The companion: read SlurmJobs and patch their status in its own namespace only; it posts no events (the operator announces).
        yield return Companion("get", "slurmjobs", "own", true);
        yield return Companion("watch", "slurmjobs", "own", true);
        yield return Companion("patch", "slurmjobs/status", "own", true);
        yield return Companion("create", "events", "own", false);
        yield return Companion("update", "slurmjobs/status", "own", false);
        yield return Companion("patch", "slurmjobs", "own", false);
        yield return Companion("update", "slurmjobs", "own", false);
        yield return Companion("delete", "slurmjobs", "own", false);
        yield return Companion("create", "slurmjobs", "own", false);
        yield return Companion("get", "pods", "own", false);
        yield return Companion("get", "secrets", "own", false);
        yield return Companion("get", "slurmjobs", "other", false);
        yield return Companion("patch", "slurmjobs/status", "other", false);
        yield return Companion("create", "events", "other", false);
        yield return Companion("list", "slurmjobs", "", false);

        TestCaseData RedBox(string verb, string resource, string ns, bool allowed) =>
            new TestCaseData("red-box", verb, resource, ns, "", allowed).SetArgDisplayNames("red-box", verb, resource, ns, allowed ? "allowed" : "denied");
        // red-box: read pods, anywhere; nothing else.
        yield return RedBox("list", "pods", "", true);
        yield return RedBox("watch", "pods", "", true);
        yield return RedBox("get", "pods", "other", true);
        yield return RedBox("create", "pods", "other", false);
        yield return RedBox("delete", "pods", "other", false);
        yield return RedBox("get", "secrets", "slurmk8s-system", false);
        yield return RedBox("list", "secrets", "", false);
        yield return RedBox("list", "configmaps", "", false);
        yield return RedBox("list", "slurmjobs", "", false);
        yield return RedBox("patch", "slurmjobs/status", "other", false);
        yield return RedBox("list", "nodes", "", false);

        // The operator: SlurmJobs and pods everywhere, nodes read-only, its Lease in its namespace.
        yield return Operator("watch", "slurmjobs", "", true);
        yield return Operator("update", "slurmjobs", "other", true);
        yield return Operator("patch", "slurmjobs/status", "other", true);
        yield return Operator("update", "slurmjobs/finalizers", "other", true);
        yield return Operator("create", "pods", "other", true);
        yield return Operator("delete", "pods", "other", true);
        yield return Operator("watch", "pods", "", true);
        yield return Operator("watch", "nodes", "", true);
        yield return Operator("create", "events", "other", true);
        yield return Operator("create", "leases", "default", true);
        yield return Operator("update", "leases", "default", true, "slurm-operator");
        yield return Operator("update", "leases", "default", false, "kube-scheduler");
        yield return Operator("create", "leases", "other", false);
        yield return Operator("patch", "nodes", "", false);
        yield return Operator("delete", "slurmjobs", "other", false);
        yield return Operator("create", "slurmjobs", "other", false);
        yield return Operator("create", "pods/exec", "other", false);
        yield return Operator("get", "secrets", "other", false);
        yield return Operator("list", "configmaps", "", false);
    }

    [TestCaseSource(nameof(Permissions))]
    public async Task Rbac_GrantsExactlyWhatTheManifestsSay(string who, string verb, string resource, string ns, string name, bool allowed)
    {
        using var client = RealApiServer.CreateClient();
        var user = who switch
        {
            "companion" => $"system:serviceaccount:{_ownNamespace}:slurm-companion",
            "red-box" => "system:serviceaccount:slurmk8s-system:red-box",
            _ => OperatorUser,
        };
        var userNamespace = user.Split(':')[2];
        var parts = resource.Split('/');
        var review = new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user,
                // The groups a real service-account token carries, so bindings to them count too.
                Groups = ["system:serviceaccounts", $"system:serviceaccounts:{userNamespace}", "system:authenticated"],
                ResourceAttributes = new V1ResourceAttributes
                {
                    Verb = verb,
                    Group = parts[0] switch { "slurmjobs" => "slurm.sylabs.io", "leases" => "coordination.k8s.io", _ => "" },
                    Resource = parts[0],
                    Subresource = parts.Length > 1 ? parts[1] : null,
                    NamespaceProperty = ns switch { "own" => _ownNamespace, "other" => "elsewhere", _ => ns },
                    Name = name.Length > 0 ? name : null,
                },
            },
        };

        var answer = await client.AuthorizationV1.CreateSubjectAccessReviewAsync(review);

        Assert.That(answer.Status.Allowed, Is.EqualTo(allowed), $"{user} {verb} {resource} in '{review.Spec.ResourceAttributes.NamespaceProperty}': {answer.Status.Reason}");
    }
}
