using System.Text.Json;

namespace Connector.Salesforce.Streaming;

/// <summary>
/// What a subscription's handler receives, in delivery order: events, and the signals that mean "the stream
/// cannot tell you what changed, catch up by REST" (gap, overflow, an unusable replay id). None of these is
/// ever skipped silently: the checkpoint moves past a message only after the handler returned for it.
/// </summary>
public abstract record StreamingMessage(string Channel);

/// <summary>
/// One event as the Streaming API delivered it. <see cref="ReplayId"/> is null only on servers without
/// Salesforce's replay extension. <see cref="Payload"/> is the record data: <c>data.payload</c> for change
/// and platform events, <c>data.sobject</c> for PushTopics, the whole <c>data</c> otherwise.
/// </summary>
public sealed record StreamingEvent(
    string Channel,
    long? ReplayId,
    JsonElement Data,
    JsonElement Payload,
    ChangeEventHeader? ChangeEventHeader,
    string? EventType = null,
    DateTimeOffset? CreatedDate = null) : StreamingMessage(Channel);

/// <summary>
/// Change events for these records were lost (too large, DB-level change, internal error): re-read each by id.
/// The checkpoint moves past <see cref="Event"/> once the handler returns.
/// </summary>
public sealed record GapDetected(StreamingEvent Event, string Entity, IReadOnlyList<string> RecordIds, string ChangeType) : StreamingMessage(Event.Channel);

/// <summary>One transaction changed too much: the entity's further changes are unknown; resync it (GAP_OVERFLOW, no record ids).</summary>
public sealed record Overflow(StreamingEvent Event, string Entity) : StreamingMessage(Event.Channel);

/// <summary>
/// The server refused the stored replay id (expired beyond retention, or never issued): events between it and
/// <see cref="ResubscribedFrom"/> may be lost, so the caller catches up by REST. Delivered before the client
/// resubscribes from <see cref="ResubscribedFrom"/> (-2 all retained, or -1 new only).
/// </summary>
public sealed record ReplayIdInvalid(string Channel, long ReplayId, long ResubscribedFrom) : StreamingMessage(Channel);

/// <summary>The header of a Change Data Capture event (fact sheet §4.7).</summary>
public sealed record ChangeEventHeader(
    string EntityName,
    IReadOnlyList<string> RecordIds,
    string ChangeType,
    string? ChangeOrigin,
    string? TransactionKey,
    int SequenceNumber,
    DateTimeOffset? CommitTimestamp,
    long? CommitNumber,
    string? CommitUser,
    IReadOnlyList<string> ChangedFields,
    IReadOnlyList<string> NulledFields,
    IReadOnlyList<string> DiffFields)
{
    public const string GapOverflow = "GAP_OVERFLOW";

    /// <summary>GAP_CREATE, GAP_UPDATE, GAP_DELETE, GAP_UNDELETE (not GAP_OVERFLOW).</summary>
    public bool IsGap => ChangeType.StartsWith("GAP_", StringComparison.Ordinal) && !IsOverflow;

    public bool IsOverflow => ChangeType == GapOverflow;
}

/// <summary>What happened to the client session as a whole: for monitoring and tests (read from <see cref="StreamingClient.Signals"/>).</summary>
public abstract record StreamingSignal;

/// <summary>A handshake succeeded: a new Bayeux session (all subscriptions are re-applied from their checkpoints).</summary>
public sealed record SessionStarted(string ClientId, bool ReplaySupported, int Handshakes) : StreamingSignal;

/// <summary>The session is being replaced by a new handshake.</summary>
public sealed record Rehandshaking(RehandshakeReason Reason) : StreamingSignal;

/// <summary>The watchdog saw no connect response within the allowed window although no error was reported.</summary>
public sealed record StreamSilent(TimeSpan Waited) : StreamingSignal;

/// <summary>A request failed (network, 5xx, malformed answer); the client waits <see cref="RetryIn"/> and tries again.</summary>
public sealed record ConnectionFailed(int Attempt, TimeSpan RetryIn, string Reason) : StreamingSignal;

/// <summary>The subscription stopped: its handler or the checkpoint store failed, or the server refused the channel.</summary>
public sealed record SubscriptionFaulted(string Channel, long? ReplayId, Exception Error) : StreamingSignal;

public enum RehandshakeReason
{
    /// <summary>403::Unknown client: the server expired or lost the session.</summary>
    UnknownClient,
    /// <summary>401::Authentication invalid / 403::Handshake denied: the token was renewed first.</summary>
    Authentication,
    /// <summary>advice.reconnect = handshake without a known error.</summary>
    ServerAdvice,
    /// <summary>A connect failed in transit: its events may be lost, so resume from the checkpoints.</summary>
    ConnectionLost,
    /// <summary>The watchdog fired.</summary>
    Silent,
}

/// <summary>The streaming client stopped for good (advice reconnect = none, a refused handshake that renewal cannot fix).</summary>
public class StreamingException : Exception
{
    public StreamingException(string message, string? bayeuxError = null, Exception? inner = null)
        : base(message, inner) => BayeuxError = bayeuxError;

    /// <summary>The Bayeux error string, e.g. "403::Organization total events daily limit exceeded".</summary>
    public string? BayeuxError { get; }
}

/// <summary>A subscription's handler (or the checkpoint store) threw: the checkpoint stayed at the last handled event.</summary>
public sealed class StreamingHandlerException : StreamingException
{
    public StreamingHandlerException(string channel, long? replayId, Exception inner)
        : base($"Handling {channel} event {replayId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(no replay id)"} failed; the checkpoint was not advanced.", null, inner)
    {
        Channel = channel;
        ReplayId = replayId;
    }

    public string Channel { get; }
    public long? ReplayId { get; }
}
