namespace Connector.Ledger.Outbox;

/// <summary>Kinds of Salesforce write the connector decides; the dispatcher knows how to send each.</summary>
public static class OutboxKinds
{
    public const string OwnerChange = "OwnerChange";
    public const string ProfileUpsert = "ProfileUpsert";

    /// <summary>An advocate's profile figures written to its Advocate__c record by id (collections update, background priority).</summary>
    public const string ProfileUpdate = "ProfileUpdate";
}

/// <summary>A Salesforce write decided together with the ledger effects, dispatched later.</summary>
public sealed record OutboxMessageRow
{
    public required string Kind { get; init; }
    public required string TargetSObject { get; init; }
    /// <summary>The record id, or the external id value for an upsert.</summary>
    public required string TargetId { get; init; }
    public required string Payload { get; init; }
    public required string IdempotencyKey { get; init; }
}

public sealed record OutboxMessage
{
    public long Id { get; init; }
    public required string Kind { get; init; }
    public required string TargetSObject { get; init; }
    public required string TargetId { get; init; }
    public required string Payload { get; init; }
    public required string IdempotencyKey { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }
    public DateTimeOffset? DispatchedAt { get; init; }
}
