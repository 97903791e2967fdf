namespace SlurmK8s.RedBoxContract;

/// <summary>A piece of a file on the submit host and where in the file it starts.</summary>
internal readonly record struct FileChunk(ReadOnlyMemory<byte> Content, long Offset);
