using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Streaming;

/// <summary>Streaming client logs (event ids 7000–7099): channels, replay ids, client ids and counts — never tokens or payloads.</summary>
internal static partial class Log
{
    [LoggerMessage(7000, LogLevel.Information, "Streaming handshake succeeded: client {ClientId}, replay extension {ReplaySupported}, handshake #{Count}")]
    public static partial void Handshaken(ILogger logger, string clientId, bool replaySupported, int count);

    [LoggerMessage(7001, LogLevel.Information, "Subscribed to {Channel} from replay id {ReplayFrom} on client {ClientId}")]
    public static partial void Subscribed(ILogger logger, string channel, long? replayFrom, string clientId);

    [LoggerMessage(7002, LogLevel.Warning, "Subscription to {Channel} refused: {Error}")]
    public static partial void SubscribeRefused(ILogger logger, string channel, string error);

    [LoggerMessage(7003, LogLevel.Warning, "Replay id {ReplayId} of {Channel} refused by the server; signalling the handler and resubscribing from {ResubscribeFrom}")]
    public static partial void ReplayIdInvalid(ILogger logger, string channel, long replayId, long resubscribeFrom);

    [LoggerMessage(7004, LogLevel.Information, "Streaming session of client {ClientId} abandoned ({Reason}); handshaking again")]
    public static partial void Rehandshaking(ILogger logger, RehandshakeReason reason, string? clientId);

    [LoggerMessage(7005, LogLevel.Warning, "Streaming request failed (attempt {Attempt}), retrying in {DelayMs} ms: {Reason}")]
    public static partial void ConnectionFailed(ILogger logger, int attempt, double delayMs, string reason);

    [LoggerMessage(7006, LogLevel.Warning, "Streaming client {ClientId} got no connect answer within {WindowSeconds} s: stream silent")]
    public static partial void StreamSilent(ILogger logger, double windowSeconds, string? clientId);

    [LoggerMessage(7007, LogLevel.Error, "Handler for {Channel} failed on replay id {ReplayId}; subscription stopped, checkpoint not advanced")]
    public static partial void HandlerFailed(ILogger logger, string channel, long? replayId, Exception exception);

    [LoggerMessage(7008, LogLevel.Debug, "Checkpoint of {Channel} saved at replay id {ReplayId}")]
    public static partial void Checkpointed(ILogger logger, string channel, long replayId);

    [LoggerMessage(7009, LogLevel.Warning, "Gap event on {Channel}: {Entity} {ChangeType} for {RecordCount} record(s), replay id {ReplayId}")]
    public static partial void GapDetected(ILogger logger, string channel, string entity, string changeType, int recordCount, long? replayId);

    [LoggerMessage(7010, LogLevel.Warning, "Overflow event on {Channel}: {Entity} needs a full resync, replay id {ReplayId}")]
    public static partial void Overflow(ILogger logger, string channel, string entity, long? replayId);

    [LoggerMessage(7011, LogLevel.Error, "The streaming server ended the stream: {Error}")]
    public static partial void StoppedByServer(ILogger logger, string error);

    [LoggerMessage(7012, LogLevel.Information, "Streaming server rejected the session ({Error}) for client {ClientId}; renewing it")]
    public static partial void RenewingToken(ILogger logger, string error, string? clientId);

    [LoggerMessage(7013, LogLevel.Information, "Unsubscribed from {Channel}")]
    public static partial void Unsubscribed(ILogger logger, string channel);

    [LoggerMessage(7014, LogLevel.Debug, "Unsubscribing from {Channel} failed: {Reason}")]
    public static partial void UnsubscribeFailed(ILogger logger, string channel, string reason);

    [LoggerMessage(7015, LogLevel.Information, "Streaming client {ClientId} disconnected")]
    public static partial void Disconnected(ILogger logger, string clientId);

    [LoggerMessage(7016, LogLevel.Debug, "Disconnecting streaming client {ClientId} failed: {Reason}")]
    public static partial void DisconnectFailed(ILogger logger, string clientId, string reason);

    [LoggerMessage(7017, LogLevel.Debug, "Event on {Channel} ignored: no active subscription")]
    public static partial void EventIgnored(ILogger logger, string channel);

    [LoggerMessage(7018, LogLevel.Information, "Subscription to {Channel} deferred to the run loop: {Reason}")]
    public static partial void SubscribeDeferred(ILogger logger, string channel, string reason);
}
