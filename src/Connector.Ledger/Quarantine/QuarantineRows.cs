namespace Connector.Ledger.Quarantine;

/// <summary>An event (or one record of it) that could not be applied, with the reason and what arrived.</summary>
public sealed record QuarantineRow
{
    public required string Entity { get; init; }
    public string? RecordId { get; init; }
    /// <summary>Stable code, e.g. <c>UnknownStage</c>, <c>MissingAdvocate</c>, <c>BadRevenue</c>.</summary>
    public required string ReasonCode { get; init; }
    public required string Reason { get; init; }
    /// <summary>The payload as JSON text, so the event can be re-applied after the mapping is fixed.</summary>
    public required string Payload { get; init; }
}

public sealed record QuarantineEntry
{
    public long Id { get; init; }
    public required string SourceEventKey { get; init; }
    public required string Entity { get; init; }
    public string? RecordId { get; init; }
    public required string ReasonCode { get; init; }
    public required string Reason { get; init; }
    public required string Payload { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public string? ReappliedEventKey { get; init; }

    public bool IsOpen => ResolvedAt is null;
}
