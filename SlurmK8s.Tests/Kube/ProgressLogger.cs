using Microsoft.Extensions.Logging;

namespace SlurmK8s.Tests.Kube;

/// <summary>Log lines of the code under test, shown live in the test output (what a failed integration test needs).</summary>
internal sealed class ProgressLogger(string category) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        TestContext.Progress.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} [{category}] {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
    }
}
