namespace SlurmK8s.Slurm;

/// <summary>Non-negative arithmetic that stops at long.MaxValue: a silly directive (--mem=9999999T on 2048 nodes) must not wrap negative.</summary>
internal static class Saturating
{
    public static long Multiply(long a, long b)
    {
        if (a == 0 || b == 0)
        {
            return 0;
        }
        return a > long.MaxValue / b ? long.MaxValue : a * b;
    }

    public static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
