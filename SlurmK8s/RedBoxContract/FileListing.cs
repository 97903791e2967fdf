namespace SlurmK8s.RedBoxContract;

/// <summary>The files a glob names, and whether more matched than were returned.</summary>
internal sealed record FileListing(IReadOnlyList<string> Paths, bool Truncated);
