using System.Collections.Frozen;

namespace SlurmK8s.Slurm.Sbatch;

/// <summary>
/// sbatch 22.05's options and whether each takes a value, measured against sbatch itself (an option that takes a value
/// consumes the next argument; one that does not makes a following word an error). Knowing them all lets an unknown
/// abbreviation be told from an ambiguous one and a flag's neighbour be read correctly; only a few are mapped.
/// </summary>
internal static class SbatchOptions
{
    private static readonly string[] Flags =
    [
        "contiguous", "help", "hold", "ignore-pbs", "no-requeue", "overcommit", "oversubscribe", "parsable", "quiet", "reboot",
        "requeue", "spread-job", "test-only", "usage", "use-min-nodes", "verbose", "version", "wait",
    ];

    private static readonly string[] OptionalValue = ["exclusive", "get-user-env", "nice", "no-kill", "propagate"];

    private static readonly string[] RequiredValue =
    [
        "account", "acctg-freq", "array", "batch", "bb", "bbf", "begin", "chdir", "cluster", "cluster-constraint", "clusters",
        "comment", "constraint", "container", "core-spec", "cores-per-socket", "cpu-freq", "cpus-per-gpu", "cpus-per-task",
        "deadline", "delay-boot", "dependency", "distribution", "error", "exclude", "export", "export-file", "extra-node-info",
        "gid", "gpu-bind", "gpu-freq", "gpus", "gpus-per-node", "gpus-per-socket", "gpus-per-task", "gres", "gres-flags", "hint",
        "input", "job-name", "kill-on-invalid-dep", "licenses", "mail-type", "mail-user", "mcs-label", "mem", "mem-bind",
        "mem-per-cpu", "mem-per-gpu", "mincpus", "network", "nodefile", "nodelist", "nodes", "ntasks", "ntasks-per-core",
        "ntasks-per-gpu", "ntasks-per-node", "ntasks-per-socket", "open-mode", "output", "partition", "power", "prefer",
        "priority", "profile", "qos", "reservation", "signal", "sockets-per-node", "switches", "thread-spec", "threads-per-core",
        "time", "time-min", "tmp", "uid", "wait-all-nodes", "wckey", "wrap",
    ];

    /// <summary>Long option name → arity.</summary>
    public static FrozenDictionary<string, SbatchArity> Long { get; } =
        Flags.Select(n => KeyValuePair.Create(n, SbatchArity.None))
            .Concat(OptionalValue.Select(n => KeyValuePair.Create(n, SbatchArity.Optional)))
            .Concat(RequiredValue.Select(n => KeyValuePair.Create(n, SbatchArity.Required)))
            .ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Short option → the long option it stands for.</summary>
    public static FrozenDictionary<char, string> Short { get; } = new Dictionary<char, string>
    {
        ['a'] = "array", ['b'] = "begin", ['c'] = "cpus-per-task", ['d'] = "dependency", ['e'] = "error", ['i'] = "input",
        ['m'] = "distribution", ['n'] = "ntasks", ['o'] = "output", ['p'] = "partition", ['q'] = "qos", ['t'] = "time",
        ['w'] = "nodelist", ['x'] = "exclude", ['A'] = "account", ['B'] = "extra-node-info", ['C'] = "constraint",
        ['D'] = "chdir", ['F'] = "nodefile", ['G'] = "gpus", ['J'] = "job-name", ['L'] = "licenses", ['M'] = "clusters",
        ['N'] = "nodes", ['S'] = "core-spec",
        ['h'] = "help", ['k'] = "no-kill", ['s'] = "oversubscribe", ['v'] = "verbose", ['H'] = "hold", ['O'] = "overcommit",
        ['Q'] = "quiet", ['V'] = "version", ['W'] = "wait",
    }.ToFrozenDictionary();

    /// <summary>
    /// getopt_long's lookup: an exact name, else the one option the text abbreviates. Null when no option matches
    /// (an option newer than 22.05, or a typo: ignored); <paramref name="candidates"/> lists them when several do.
    /// </summary>
    public static string? Resolve(string name, out IReadOnlyList<string> candidates)
    {
        candidates = [];
        if (Long.ContainsKey(name))
        {
            return name;
        }
        var matches = Long.Keys.Where(k => k.StartsWith(name, StringComparison.Ordinal))
            .Select(k => k == "cluster" ? "clusters" : k) // an alias: both abbreviate to the same option
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (matches.Count == 1)
        {
            return matches[0];
        }
        candidates = matches;
        return null;
    }
}
