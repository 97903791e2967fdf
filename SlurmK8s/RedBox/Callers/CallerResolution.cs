using System.Diagnostics.CodeAnalysis;

namespace SlurmK8s.RedBox.Callers;

/// <summary>What red-box learnt about a connection's caller: who it is, or a sentence saying why it cannot tell (then refuse the call).</summary>
internal sealed record CallerResolution
{
    private CallerResolution(Caller? caller, string? refusal, bool mayChange = false)
    {
        Caller = caller;
        Refusal = refusal;
        MayChange = mayChange;
    }

    public Caller? Caller { get; }

    /// <summary>Why the caller was not identified, as a sentence for the log and the refused call.</summary>
    public string? Refusal { get; }

    [MemberNotNullWhen(true, nameof(Caller))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool IsIdentified => Caller is not null;

    public static CallerResolution Identified(Caller caller) => new(caller ?? throw new ArgumentNullException(nameof(caller)), null);

    public static CallerResolution Refused(string refusal) => new(null, refusal ?? throw new ArgumentNullException(nameof(refusal)));

    /// <summary>
    /// Not identified yet, but asking again may identify it: the caller runs in a pod red-box's pod watch has not shown
    /// it (a new pod, a red-box just restarted, a watch behind). Its calls are answered UNAVAILABLE — try again — and
    /// its connection closed, so that the next call comes on a new connection, identified afresh.
    /// </summary>
    public static CallerResolution NotYetKnown(string refusal) => new(null, refusal ?? throw new ArgumentNullException(nameof(refusal)), mayChange: true);

    /// <summary>Refused for now only (<see cref="NotYetKnown"/>).</summary>
    public bool MayChange { get; }

    /// <summary>For logs: the caller, or "unidentified: why".</summary>
    public string Describe() => IsIdentified ? Caller.Describe() : "unidentified: " + Refusal;
}
