using System.Diagnostics.CodeAnalysis;

namespace SlurmK8s.RedBox.Callers;

/// <summary>What red-box learnt about a connection's caller: who it is, or a sentence saying why it cannot tell (then refuse the call).</summary>
internal sealed record CallerResolution
{
    private CallerResolution(Caller? caller, string? refusal)
    {
        Caller = caller;
        Refusal = refusal;
    }

    public Caller? Caller { get; }

    /// <summary>Why the caller was not identified, as a sentence for the log and the refused call.</summary>
    public string? Refusal { get; }

    [MemberNotNullWhen(true, nameof(Caller))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool IsIdentified => Caller is not null;

    public static CallerResolution Identified(Caller caller) => new(caller ?? throw new ArgumentNullException(nameof(caller)), null);

    public static CallerResolution Refused(string refusal) => new(null, refusal ?? throw new ArgumentNullException(nameof(refusal)));

    /// <summary>For logs: the caller, or "unidentified: why".</summary>
    public string Describe() => IsIdentified ? Caller.Describe() : "unidentified: " + Refusal;
}
