using Microsoft.Extensions.Logging;

namespace Connector.Worker.Outbox;

internal static partial class Log
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Debug, Message = "Outbox batch: {Dispatched} dispatched, {Failed} failed, {Overridden} owners overridden, of {Taken} messages in {Calls} calls")]
    public static partial void BatchDispatched(ILogger logger, int taken, int dispatched, int failed, int overridden, int calls);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Outbox message {MessageId} ({Kind} {TargetSObject} {TargetId}) failed attempt {Attempt} of {MaxAttempts}: {ErrorCode}")]
    public static partial void MessageFailed(ILogger logger, long messageId, string kind, string targetSObject, string targetId, int attempt, int maxAttempts, string errorCode);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Error, Message = "Outbox message {MessageId} ({Kind} {TargetSObject} {TargetId}) failed {Attempts} times and is left for an operator: {ErrorCode}")]
    public static partial void MessageGaveUp(ILogger logger, long messageId, string kind, string targetSObject, string targetId, int attempts, string errorCode);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Owner of {TargetSObject} {TargetId} is {ActualOwnerId} after the write, not {ExpectedOwnerId}: something overrode it (outbox message {MessageId})")]
    public static partial void OwnerOverridden(ILogger logger, string targetSObject, string targetId, string actualOwnerId, string expectedOwnerId, long messageId);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Outbox dispatch deferred for {DelayMs} ms after a transient failure ({ErrorCode}); {Pending} messages keep their attempts")]
    public static partial void Deferred(ILogger logger, string errorCode, long delayMs, int pending);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Error, Message = "Outbox pass failed; trying again in {DelayMs} ms")]
    public static partial void PassFailed(ILogger logger, Exception exception, long delayMs);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Information, Message = "Outbox dispatcher started: batches of up to {BatchSize} in one Composite call, linger {LingerMs} ms (early after {QuietMs} ms without arrivals; profile writes up to {BackgroundMs} ms), at most {MaxAttempts} attempts")]
    public static partial void Started(ILogger logger, int batchSize, long lingerMs, long quietMs, long backgroundMs, int maxAttempts);
}
