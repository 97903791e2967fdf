using Microsoft.Extensions.Logging;

namespace SlurmK8s.Cli;

/// <summary>The roles' logs: JSON lines for collectors, or one plain line per entry for people (--log-format).</summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Create(bool json) => LoggerFactory.Create(logging =>
    {
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
                o.TimestampFormat = "HH:mm:ss ";
            });
        }
    });
}
