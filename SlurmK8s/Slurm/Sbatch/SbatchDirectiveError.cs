namespace SlurmK8s.Slurm.Sbatch;

/// <summary>A directive sbatch would refuse: the line (1-based, as written), the option, what is wrong and how to fix it.</summary>
internal sealed record SbatchDirectiveError(int LineNumber, string Line, string Option, string Problem, string Fix)
{
    /// <summary>One sentence for a status message or an event: quotes the line, names the option and the fix.</summary>
    public string Message => $"line {LineNumber} of the batch script ({Line.Trim()}): {Option} {Problem}; {Fix}";

    public override string ToString() => Message;
}
