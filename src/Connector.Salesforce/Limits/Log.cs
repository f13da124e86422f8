using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Limits;

/// <summary>API budget logs (event ids 3200–3299): counts only.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "API budget {Used}/{Max} near the {ReservePercent}% reserve: {Priority} call {Request} waits")]
    public static partial void Waiting(ILogger logger, int used, int max, int reservePercent, string priority, string request);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "API budget recovered ({Used}/{Max}): {Request} proceeds after {WaitedMs} ms")]
    public static partial void Recovered(ILogger logger, int used, int max, string request, long waitedMs);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "API budget still {Used}/{Max} after {WaitedMs} ms: {Request} deferred")]
    public static partial void WaitTimedOut(ILogger logger, int used, int max, string request, long waitedMs);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Error, Message = "Salesforce answered REQUEST_LIMIT_EXCEEDED to {Request}: the org's daily API allocation is used up; non-critical calls pause")]
    public static partial void LimitExceeded(ILogger logger, string request);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Warning, Message = "Reading /limits failed ({Error}); next attempt in {NextSeconds} s")]
    public static partial void RefreshFailed(ILogger logger, string error, double nextSeconds);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Debug, Message = "API budget from /limits: {Used}/{Max}")]
    public static partial void Refreshed(ILogger logger, int used, int max);
}
