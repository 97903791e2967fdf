namespace SlurmK8s.Tests.Operator.PodSecurity;

/// <summary>One rule of one level that a pod breaks, and where (which pod field, container or volume).</summary>
/// <param name="Level">The level whose rule it is: the pod meets at most the level below it.</param>
/// <param name="Rule">The rule, named as PodSecurity admission names its check (e.g. hostPathVolumes).</param>
internal sealed record PodSecurityViolation(PodSecurityLevel Level, string Rule, string Detail)
{
    public override string ToString() => $"{Level} {Rule}: {Detail}";
}
