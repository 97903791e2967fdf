namespace SlurmK8s.Tests.Kube;

/// <summary>One request a <see cref="StubHandler"/> was sent: its body as text, or null when it had none.</summary>
internal sealed record StubRequest(HttpMethod Method, Uri Uri, string? Authorization, string? ContentType, string? Body);
