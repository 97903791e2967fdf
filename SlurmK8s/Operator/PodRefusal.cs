namespace SlurmK8s.Operator;

/// <summary>Why no companion pod can be made for a SlurmJob: the Finished condition's reason and message.</summary>
internal sealed record PodRefusal(string Reason, string Message)
{
    /// <summary>spec.results.mount is not a volume Kubernetes would accept in a pod.</summary>
    public const string InvalidResultsVolume = "InvalidResultsVolume";

    /// <summary>spec.results.mount is a volume the operator's results-volume policy does not allow.</summary>
    public const string ResultsVolumeNotAllowed = "ResultsVolumeNotAllowed";
}
