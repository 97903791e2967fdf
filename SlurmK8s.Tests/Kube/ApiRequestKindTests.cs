using SlurmK8s.Kube;

namespace SlurmK8s.Tests.Kube;

internal sealed class ApiRequestKindTests
{
    private static readonly Uri Server = new("https://127.0.0.1:6443/");

    private static IEnumerable<TestCaseData> Requests()
    {
        yield return new TestCaseData("POST", "api/v1/namespaces/ns/pods", "create", "pods");
        yield return new TestCaseData("GET", "api/v1/namespaces/ns/pods/hello-job", "get", "pods");
        yield return new TestCaseData("GET", "api/v1/pods?labelSelector=slurm.sylabs.io%2Fjob", "list", "pods");
        yield return new TestCaseData("GET", "api/v1/pods?watch=true&resourceVersion=42&labelSelector=x", "watch", "pods");
        yield return new TestCaseData("DELETE", "api/v1/namespaces/ns/pods/hello-job", "delete", "pods");
        yield return new TestCaseData("POST", "api/v1/namespaces/ns/events", "create", "events");
        yield return new TestCaseData("PATCH", "apis/slurm.sylabs.io/v1alpha1/namespaces/ns/slurmjobs/hello", "patch", "slurmjobs");
        yield return new TestCaseData("PATCH", "apis/slurm.sylabs.io/v1alpha1/namespaces/ns/slurmjobs/hello/status", "patch", "slurmjobs/status");
        yield return new TestCaseData("GET", "apis/slurm.sylabs.io/v1alpha1/slurmjobs", "list", "slurmjobs");
        yield return new TestCaseData("PUT", "apis/coordination.k8s.io/v1/namespaces/default/leases/slurm-operator", "update", "leases");
        yield return new TestCaseData("GET", "api/v1/namespaces/ns", "get", "namespaces");
        yield return new TestCaseData("GET", "api/v1/nodes", "list", "nodes");
        yield return new TestCaseData("PATCH", "api/v1/nodes/n1/status", "patch", "nodes/status");
        yield return new TestCaseData("GET", "version", "get", ApiRequestKind.NonResource);
    }

    [TestCaseSource(nameof(Requests))]
    public void Of_Request_NamesTheApiServersVerbAndResource(string method, string path, string verb, string resource) =>
        Assert.That(ApiRequestKind.Of(new HttpMethod(method), new Uri(Server, path)), Is.EqualTo(new ApiRequestKind(verb, resource)));

    [TestCase("create", true)]
    [TestCase("patch", true)]
    [TestCase("delete", true)]
    [TestCase("get", false)]
    [TestCase("list", false)]
    [TestCase("watch", false)]
    public void IsWrite_IsTrueForWhatEtcdMustStore(string verb, bool write) =>
        Assert.That(new ApiRequestKind(verb, "pods").IsWrite, Is.EqualTo(write));
}
