namespace Connector.Ledger.Checkpoints;

/// <summary>
/// Where a stream stands: a replay id (CDC, platform events) or a cursor text (catch-up queries, e.g. a
/// serialized (SystemModstamp, Id) position). Exactly one of the two is set.
/// </summary>
public sealed record StreamPosition
{
    private StreamPosition(string stream, long? replayId, string? cursor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stream);
        Stream = stream;
        ReplayId = replayId;
        Cursor = cursor;
    }

    public string Stream { get; }
    public long? ReplayId { get; }
    public string? Cursor { get; }

    public static StreamPosition AtReplayId(string stream, long replayId) => new(stream, replayId, null);

    public static StreamPosition AtCursor(string stream, string cursor)
    {
        ArgumentException.ThrowIfNullOrEmpty(cursor);
        return new(stream, null, cursor);
    }
}

public sealed record StreamCheckpoint
{
    public required string Stream { get; init; }
    public long? ReplayId { get; init; }
    public string? Cursor { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
