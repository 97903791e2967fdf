namespace SlurmK8s.Tests.Slurm;

/// <summary>Outputs captured from the real Slurm 22.05 by scripts/capture-fixtures.sh.</summary>
internal static class Fixture
{
    public static string Read(string name) => File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "slurm", name));

    /// <summary>The job ids the capture made, by situation (completed, failed, held, running, cancelled, array, array_held, spaced).</summary>
    public static long Id(string situation) => Read("redbox-ids.txt").Split('\n')
        .Select(l => l.Split('='))
        .Where(p => p.Length == 2 && p[0] == situation)
        .Select(p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture))
        .Single();
}
