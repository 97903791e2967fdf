using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace SlurmK8s.Cli;

/// <summary>The roles' logs: JSON lines for collectors, or one plain line per entry for people (--log-format).</summary>
internal static class ConsoleLogging
{
    /// <param name="toStandardError">Every entry to stderr (the companion, whose stdout is the job's output).</param>
    public static ILoggerFactory Create(bool json, bool toStandardError = false) => LoggerFactory.Create(logging =>
    {
        if (toStandardError)
        {
            logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }
        if (json)
        {
            logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ ";
            });
        }
    });
}
