using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Describe;

internal static partial class Log
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "Describe of {SObject} fetched")]
    public static partial void DescribeFetched(ILogger logger, string sObject);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Describe of {SObject} revalidated: not modified")]
    public static partial void DescribeNotModified(ILogger logger, string sObject);
}
