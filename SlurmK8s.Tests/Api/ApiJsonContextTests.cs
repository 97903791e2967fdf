using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;
using SlurmK8s.Api.V1Alpha1;
using SlurmK8s.Kube;

namespace SlurmK8s.Tests.Api;

/// <summary>
/// Our JSON context against KubernetesJson, which slurmk8s used before, on what the real API server sends
/// (Fixtures/kube): the same objects read, the same text written — quantities, int-or-string, Time and MicroTime.
/// </summary>
internal sealed class ApiJsonContextTests
{
    private static IEnumerable<TestCaseData> ServerAnswers()
    {
        yield return Case("pod.json", ApiJsonContext.Default.V1Pod);
        yield return Case("podlist.json", ApiJsonContext.Default.V1PodList);
        yield return Case("node.json", ApiJsonContext.Default.V1Node);
        yield return Case("nodelist.json", ApiJsonContext.Default.V1NodeList);
        yield return Case("event.json", ApiJsonContext.Default.Corev1Event);
        yield return Case("lease.json", ApiJsonContext.Default.V1Lease);
    }

    [TestCaseSource(nameof(ServerAnswers))]
    public void ReadThenWrite_TheApiServersAnswer_GivesKubernetesJsonsText(string fixture, Func<string, string> ours, Func<string, string> kubernetesJsons)
    {
        // KubernetesJson cannot write metadata.managedFields back at all (fieldsV1 is an object its context has no
        // JsonElement for), so it is compared without them; we write them back (the next test).
        var json = WithoutManagedFields(JsonNode.Parse(Fixture(fixture))!).ToJsonString();

        Assert.That(ours(json), Is.EqualTo(kubernetesJsons(json)));
    }

    [TestCase("status-404.json", 404, "NotFound", "pods \"absent\" not found")]
    [TestCase("status-409.json", 409, "AlreadyExists", "pods \"cow-companion\" already exists")]
    [TestCase("status-422.json", 422, "Invalid", "Pod \"cow-companion\" is invalid: spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set")]
    public void ParseStatus_TheApiServersStatus_ReadsItsCodeReasonAndMessage(string fixture, int code, string reason, string message)
    {
        var status = KubeApiException.ParseStatus(Fixture(fixture))!;

        Assert.That((status.Code, status.Reason, status.Message), Is.EqualTo(((int?)code, reason, message)));
        Assert.That(status.Details.Name, Is.Not.Empty);
    }

    [TestCaseSource(nameof(ServerAnswers))]
    public void ReadThenWrite_TheApiServersAnswer_GivesItBackLessItsNulls(string fixture, Func<string, string> readThenWrite, Func<string, string> _)
    {
        var sent = Fixture(fixture);
        var ours = readThenWrite(sent);

        var expected = WithoutNulls(JsonNode.Parse(sent)!);
        if (fixture == "lease.json")
        {
            // A whole-second MicroTime: the server spells it with six zeros, KubernetesJson (and so we) without.
            expected["spec"]!["acquireTime"] = "2026-12-03T09:00:00Z";
        }
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(ours), expected), Is.True, $"sent:    {expected.ToJsonString()}\nwritten: {ours}");
    }

    [Test]
    public void Read_APod_TakesQuantitiesAndIntOrStringPortsAsSent()
    {
        var pod = JsonSerializer.Deserialize(Fixture("pod.json"), ApiJsonContext.Default.V1Pod)!;

        var container = pod.Spec.Containers.Single();
        Assert.That(container.Resources.Requests.ToDictionary(r => r.Key, r => r.Value.ToString()), Is.EquivalentTo(new Dictionary<string, string>
        {
            ["cpu"] = "100m", ["memory"] = "64Mi", ["slurm.sylabs.io/cpu"] = "2",
        }));
        Assert.That(container.Resources.Limits["memory"].ToInt64(), Is.EqualTo(1L << 30));
        Assert.That(((string)container.LivenessProbe.HttpGet.Port, (string)container.ReadinessProbe.TcpSocket.Port), Is.EqualTo(("http", "8080")));
        Assert.That(pod.Status.StartTime, Is.EqualTo(new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc)));
        Assert.That(pod.Status.StartTime!.Value.Kind, Is.EqualTo(DateTimeKind.Utc));
    }

    [Test]
    public void Read_ALease_TakesMicroTimeToTheMicrosecond()
    {
        var lease = JsonSerializer.Deserialize(Fixture("lease.json"), ApiJsonContext.Default.V1Lease)!;

        Assert.That(lease.Spec.RenewTime, Is.EqualTo(new DateTime(2026, 12, 3, 9, 0, 5, DateTimeKind.Utc).AddTicks(1_234_560)));
        Assert.That(lease.Spec.AcquireTime, Is.EqualTo(new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc)));
    }

    private static IEnumerable<TestCaseData> WrittenObjects()
    {
        var now = new DateTime(2026, 12, 3, 9, 0, 3, DateTimeKind.Utc).AddTicks(1_234_567);
        var involved = new V1ObjectReference { ApiVersion = "slurm.sylabs.io/v1alpha1", Kind = "SlurmJob", Name = "cow", NamespaceProperty = "fx", Uid = "u-1" };
        yield return Write("event", KubeApi.BuildEvent(new KubeEvent(involved, KubeEventType.Warning, "SubmitRefused", "no", "slurmk8s-companion"), "cow-companion", now),
            ApiJsonContext.Default.Corev1Event);
        yield return Write("event at a whole second", KubeApi.BuildEvent(new KubeEvent(involved, KubeEventType.Normal, "Submitted", "42", "slurmk8s-companion"), "c",
            new DateTime(2026, 12, 3, 9, 0, 3, DateTimeKind.Utc)), ApiJsonContext.Default.Corev1Event);
        yield return Write("lease", new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1", Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = "l", NamespaceProperty = "fx", ResourceVersion = "9" },
            Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15, AcquireTime = now, RenewTime = now, LeaseTransitions = 1 },
        }, ApiJsonContext.Default.V1Lease);
        yield return Write("delete options", new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = "5" } }, ApiJsonContext.Default.V1DeleteOptions);
        yield return Write("pod", new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "fx", Labels = new Dictionary<string, string> { ["a"] = "b" } },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container
                {
                    Name = "c",
                    Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("0.5Gi") } },
                    LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = "http" }, TcpSocket = new V1TCPSocketAction { Port = 8080 } },
                }],
            },
        }, ApiJsonContext.Default.V1Pod);
    }

    [TestCaseSource(nameof(WrittenObjects))]
    public void Write_WhatSlurmK8sSends_IsKubernetesJsonsText(Func<string> writeOurs, Func<string> writeKubernetesJsons)
    {
        var ours = writeOurs();

        Assert.That(ours, Is.EqualTo(writeKubernetesJsons()));
        Assert.That(ours, Does.Not.Contain("null"), "nulls are left out: a patch or create names only what is set");
    }

    [Test]
    public void Write_AnEvent_SpellsItsTimesAsKubernetesJsonDid()
    {
        var now = new DateTime(2026, 12, 3, 9, 0, 3, DateTimeKind.Utc).AddTicks(1_234_567);
        var involved = new V1ObjectReference { Kind = "Node", Name = "n" };
        var json = JsonSerializer.SerializeToNode(KubeApi.BuildEvent(new KubeEvent(involved, KubeEventType.Normal, "R", "m", "c"), "h", now), ApiJsonContext.Default.Corev1Event)!;

        Assert.That((string?)json["firstTimestamp"], Is.EqualTo("2026-12-03T09:00:03.123456Z"));
        Assert.That((string?)json["metadata"]!["namespace"], Is.EqualTo("default"));
    }

    private static TestCaseData Case<T>(string fixture, JsonTypeInfo<T> type) =>
        new TestCaseData(fixture, (Func<string, string>)(json => JsonSerializer.Serialize(JsonSerializer.Deserialize(json, type)!, type)),
            (Func<string, string>)(json => KubernetesJson.Serialize(KubernetesJson.Deserialize<T>(json)!))).SetArgDisplayNames(fixture);

    /// <summary>Written when the test runs, not when NUnit lists the cases: KubernetesJson's options cannot change once used.</summary>
    private static TestCaseData Write<T>(string name, T value, JsonTypeInfo<T> type) =>
        new TestCaseData((Func<string>)(() => JsonSerializer.Serialize(value, type)), (Func<string>)(() => KubernetesJson.Serialize(value!))).SetArgDisplayNames(name);

    private static JsonNode WithoutManagedFields(JsonNode node)
    {
        foreach (var metadata in (node["items"]?.AsArray().Select(i => i!["metadata"]) ?? []).Append(node["metadata"]))
        {
            metadata?.AsObject().Remove("managedFields");
        }
        return node;
    }

    private static JsonNode WithoutNulls(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj.ToList())
            {
                if (value is null)
                {
                    obj.Remove(key);
                }
                else
                {
                    WithoutNulls(value);
                }
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array.OfType<JsonNode>())
            {
                WithoutNulls(item);
            }
        }
        return node;
    }

    internal static string Fixture(string name) => File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "kube", name));
}
