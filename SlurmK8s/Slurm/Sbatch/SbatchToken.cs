namespace SlurmK8s.Slurm.Sbatch;

/// <summary>One argument of a <c>#SBATCH</c> line, with the line it came from (for error messages).</summary>
internal readonly record struct SbatchToken(string Text, int LineNumber, string Line);
