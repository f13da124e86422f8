using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Bulk;

internal static partial class Log
{
    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Bulk query job {JobId} created ({Operation} on {SObject})")]
    public static partial void JobCreated(ILogger logger, string jobId, string operation, string sObject);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Debug, Message = "Bulk query job {JobId} is {State}; next check in {DelayMs} ms")]
    public static partial void JobPolled(ILogger logger, string jobId, BulkJobState state, long delayMs);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Information, Message = "Bulk query job {JobId} completed with {Records} records")]
    public static partial void JobCompleted(ILogger logger, string jobId, long records);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "Bulk query job {JobId} ended {State}")]
    public static partial void JobFailed(ILogger logger, string jobId, BulkJobState state);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Debug, Message = "Bulk query job {JobId}: page {Page} has {Records} records, more: {More}")]
    public static partial void PageOpened(ILogger logger, string jobId, int page, int records, bool more);

    [LoggerMessage(EventId = 8006, Level = LogLevel.Information, Message = "Bulk query job {JobId} aborted because the caller cancelled")]
    public static partial void JobAborted(ILogger logger, string jobId);

    [LoggerMessage(EventId = 8007, Level = LogLevel.Warning, Message = "Bulk query job {JobId} could not be aborted after cancellation")]
    public static partial void AbortFailed(ILogger logger, string jobId, Exception exception);
}
