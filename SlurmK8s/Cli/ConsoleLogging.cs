using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace SlurmK8s.Cli;

/// <summary>
/// The roles' logs: JSON lines for collectors, one plain line per entry for operators, or one short marked line per
/// entry for people reading it among other output (--log-format).
/// </summary>
internal static class ConsoleLogging
{
    /// <param name="toStandardError">Every entry to stderr (the companion, whose stdout is the job's output).</param>
    public static ILoggerFactory Create(bool json, bool toStandardError = false) =>
        Create(json ? LogFormat.Json : LogFormat.Text, toStandardError);

    /// <param name="toStandardError">Every entry to stderr (the companion, whose stdout is the job's output).</param>
    /// <param name="also">Another provider every entry also goes to (e.g. a <see cref="LastProblemRecorder"/>).</param>
    public static ILoggerFactory Create(LogFormat format, bool toStandardError, ILoggerProvider? also = null) => LoggerFactory.Create(logging =>
    {
        if (toStandardError)
        {
            logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }
        switch (format)
        {
            case LogFormat.Json:
                logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
                break;
            case LogFormat.Human:
                // Registered by hand rather than through AddConsoleFormatter, which binds options from configuration.
                logging.AddConsole(o => o.FormatterName = HumanConsoleFormatter.FormatterName);
                logging.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, HumanConsoleFormatter>());
                break;
            default:
                logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ ";
                });
                break;
        }
        if (also is not null)
        {
            logging.AddProvider(also);
        }
    });
}
