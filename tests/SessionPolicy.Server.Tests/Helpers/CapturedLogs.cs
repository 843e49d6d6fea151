using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>Every log record the host writes, kept for a test to read: level, category and the formatted message.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> Records { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Records.Enqueue((logLevel, category, formatter(state, exception), exception));
    }
}
