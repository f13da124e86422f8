using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Resilience;

/// <summary>Resilience logs (event ids 3100–3199). Requests are named by method and path only.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Retrying {Request} after {Outcome}: attempt {Attempt} of {MaxAttempts} in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string request, string outcome, int attempt, int maxAttempts, long delayMs);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Not retrying {Request} after {Outcome}: it is not idempotent and may have reached Salesforce")]
    public static partial void NotRetriedNotIdempotent(ILogger logger, string request, string outcome);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "{Request} attempt timed out after {TimeoutMs} ms")]
    public static partial void AttemptTimedOut(ILogger logger, string request, long timeoutMs);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Error, Message = "Circuit to Salesforce opened for {BreakSeconds} s after {Outcome} on {Request}: calls fail fast meanwhile")]
    public static partial void CircuitOpened(ILogger logger, double breakSeconds, string outcome, string request);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "Circuit to Salesforce half-open: probing with {Request}")]
    public static partial void CircuitHalfOpened(ILogger logger, string request);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Information, Message = "Circuit to Salesforce closed after {Request} succeeded")]
    public static partial void CircuitClosed(ILogger logger, string request);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Warning, Message = "Not retrying {Request} after {Outcome}: its body cannot be sent twice")]
    public static partial void NotRetriedNotReplayable(ILogger logger, string request, string outcome);
}
