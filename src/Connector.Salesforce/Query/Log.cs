using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Query;

internal static partial class Log
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Debug, Message = "Query on {SObject} read {Records} records in {Pages} pages")]
    public static partial void QueryCompleted(ILogger logger, string sObject, int pages, int records);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Modstamp cursor on {SObject} read {Records} records in {Queries} queries, now at {Modstamp:O} {Id}")]
    public static partial void CursorAdvanced(ILogger logger, string sObject, int records, int queries, DateTimeOffset modstamp, string id);
}
