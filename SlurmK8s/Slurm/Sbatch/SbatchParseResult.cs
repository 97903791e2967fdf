using System.Diagnostics.CodeAnalysis;

namespace SlurmK8s.Slurm.Sbatch;

/// <summary>Either the directives of a script or the first directive that cannot be parsed.</summary>
internal sealed record SbatchParseResult
{
    private SbatchParseResult(SbatchDirectives? directives, SbatchDirectiveError? error)
    {
        Directives = directives;
        Error = error;
    }

    public SbatchDirectives? Directives { get; }

    public SbatchDirectiveError? Error { get; }

    [MemberNotNullWhen(true, nameof(Directives))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsValid => Error is null;

    public static SbatchParseResult Valid(SbatchDirectives directives) => new(directives, null);

    public static SbatchParseResult Invalid(SbatchDirectiveError error) => new(null, error);
}
