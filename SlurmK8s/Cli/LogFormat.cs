namespace SlurmK8s.Cli;

/// <summary>How a role writes its own log to the console (--log-format).</summary>
internal enum LogFormat
{
    /// <summary>One JSON record per line, for collectors.</summary>
    Json,
    /// <summary>One line per entry with timestamp, level and category, for operators reading a terminal.</summary>
    Text,
    /// <summary>One short `[slurmk8s] …` line per entry, for people reading it among other output (<see cref="HumanConsoleFormatter"/>).</summary>
    Human,
}
