namespace SlurmK8s.RedBoxContract;

/// <summary>What a submission gave: the job, whether the key had made it earlier, and the directory it runs in.</summary>
internal sealed record SubmitOutcome(long JobId, bool AlreadySubmitted, string WorkDir, string Cluster = "");
