using Microsoft.Extensions.Logging;

namespace Connector.Worker.Sync;

internal static partial class Log
{
    [LoggerMessage(EventId = 9100, Level = LogLevel.Debug,
        Message = "Field {SObject}.{Field} is not in the describe (schema changed since it was cached?): carried typed by its JSON kind")]
    public static partial void UnknownField(ILogger logger, string sobject, string field);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Debug, Message = "Change event on {Channel} (replay id {ReplayId}) skipped: {Reason}")]
    public static partial void EventSkipped(ILogger logger, string channel, long? replayId, string reason);
}
