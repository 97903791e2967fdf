namespace SlurmK8s.ControllerRuntime.LeaderElection;

/// <summary>Someone else wrote the lease first (HTTP 409: it already exists, or its resourceVersion moved on).</summary>
internal sealed class LeaseConflictException(string message, Exception? inner = null) : Exception(message, inner);
