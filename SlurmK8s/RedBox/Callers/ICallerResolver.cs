namespace SlurmK8s.RedBox.Callers;

/// <summary>Turns a connection's peer credentials into a caller, or a refusal.</summary>
internal interface ICallerResolver
{
    Task<CallerResolution> ResolveAsync(PeerCredentials peer, CancellationToken cancellationToken);
}
