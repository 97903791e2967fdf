using Microsoft.Extensions.Logging;

namespace SlurmK8s.Cli;

/// <summary>
/// A logger provider that writes nothing and keeps the last error and the last warning logged (their message, on one
/// line), for a process to say on exit what went wrong (the companion's termination message).
/// </summary>
internal sealed class LastProblemRecorder : ILoggerProvider
{
    private volatile string? _error;
    private volatile string? _warning;

    /// <summary>The last error logged, else the last warning; null when there was neither.</summary>
    public string? Last => _error ?? _warning;

    public ILogger CreateLogger(string categoryName) => new Recorder(this);

    public void Dispose()
    {
    }

    private void Keep(LogLevel level, string message, Exception? exception)
    {
        var text = HumanConsoleFormatter.OneLine(message);
        if (exception is not null)
        {
            text = (text.Length > 0 ? text + ": " : "") + HumanConsoleFormatter.OneLine(exception.Message);
        }
        if (text.Length == 0)
        {
            return;
        }
        if (level >= LogLevel.Error)
        {
            _error = text;
        }
        else
        {
            _warning = text;
        }
    }

    private sealed class Recorder(LastProblemRecorder recorder) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Warning and < LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                recorder.Keep(logLevel, formatter(state, exception), exception);
            }
        }
    }
}
