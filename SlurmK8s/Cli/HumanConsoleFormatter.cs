using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace SlurmK8s.Cli;

/// <summary>
/// One short line per log entry, marked as slurmk8s's so it cannot be taken for someone else's output (the companion's
/// stderr is read by `kubectl logs` together with the job's output): <c>[slurmk8s] warning: red-box unavailable, retrying: …</c>.
/// No timestamp (kubectl logs --timestamps adds one), category, scope or JSON; a multi-line message is folded into one
/// line, and an exception is told by its type and message only (--log-format json keeps the whole record).
/// </summary>
internal sealed class HumanConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "slurmk8s-human";
    public const string Marker = "[slurmk8s]";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        textWriter.Write(Line(logEntry.LogLevel, message, logEntry.Exception));
        textWriter.Write('\n');
    }

    /// <summary>The line for one entry, without its line break.</summary>
    public static string Line(LogLevel level, string? message, Exception? exception)
    {
        var line = new StringBuilder(Marker).Append(' ').Append(level switch
        {
            LogLevel.Trace or LogLevel.Debug => "debug: ",
            LogLevel.Warning => "warning: ",
            LogLevel.Error or LogLevel.Critical => "error: ",
            _ => "",
        });
        var text = OneLine(message);
        line.Append(text);
        if (exception is not null)
        {
            var what = $"{exception.GetType().Name}: {OneLine(exception.Message)}";
            line.Append(text.Length > 0 ? $" ({what})" : what);
        }
        return line.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> on one line: every run of control characters (line breaks, tabs, escapes) with the
    /// spaces around it becomes one space; leading and trailing white space goes.
    /// </summary>
    public static string OneLine(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        var result = new StringBuilder(text.Length);
        var pendingBreak = false;
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                pendingBreak = true;
                continue;
            }
            if (pendingBreak)
            {
                if (c == ' ')
                {
                    continue;
                }
                TrimEnd(result);
                if (result.Length > 0)
                {
                    result.Append(' ');
                }
                pendingBreak = false;
            }
            result.Append(c);
        }
        TrimEnd(result);
        return result.ToString().TrimStart();
    }

    private static void TrimEnd(StringBuilder text)
    {
        while (text.Length > 0 && text[^1] == ' ')
        {
            text.Length--;
        }
    }
}
