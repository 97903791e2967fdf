namespace SlurmK8s.Tests.Operator.PodSecurity;

/// <summary>The Pod Security Standards' levels, least to most restrictive (each includes the one before).</summary>
internal enum PodSecurityLevel
{
    Privileged,
    Baseline,
    Restricted,
}
