using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Tests.Support;

/// <summary>
/// Every log line any harness in this test run wrote (client and emulator), so a test can prove no secret
/// ever reached a log. Process-wide on purpose: the secret scan looks across the whole suite's scenarios.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public static readonly ConcurrentQueue<string> Lines = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Lines.Enqueue($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)}{(exception is null ? string.Empty : " | " + exception)}");
        }
    }
}
