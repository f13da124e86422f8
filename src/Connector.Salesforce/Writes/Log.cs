using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Writes;

internal static partial class Log
{
    [LoggerMessage(EventId = 4300, Level = LogLevel.Debug, Message = "{Operation} of {Count} {SObject} records: {Failed} failed, in {Calls} calls")]
    public static partial void CollectionWritten(ILogger logger, string operation, int count, string sObject, int failed, int calls);

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Upsert of {SObject} by {Field} matched {Matches} records; nothing written")]
    public static partial void UpsertMultipleMatches(ILogger logger, string sObject, string field, int matches);
}
