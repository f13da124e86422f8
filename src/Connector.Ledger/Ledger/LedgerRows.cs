namespace Connector.Ledger.Ledger;

/// <summary>An advocate as the ledger keeps it (Advocate__c): the full current row, upserted by id.</summary>
public sealed record AdvocateRow
{
    public required string AdvocateId { get; init; }
    public string? ContactId { get; init; }
    public string? AccountId { get; init; }
    public string? OwnerId { get; init; }
    public string? Name { get; init; }
    public required string Status { get; init; }
    public string? ReferralCode { get; init; }
    public DateOnly? EnrolledOn { get; init; }
    /// <summary>When Salesforce last changed it (SystemModstamp), not when the ledger wrote it.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Commit time of the last applied Advocate__c change; older changes are stale (migration 0002).</summary>
    public DateTimeOffset? Watermark { get; init; }
    /// <summary>The owners of the advocate's Contact and Account, for routing by owner source (migration 0005).</summary>
    public string? ContactOwnerId { get; init; }
    public string? AccountOwnerId { get; init; }
}

/// <summary>A referral's current row, upserted by <see cref="ReferralKey"/>; its history is in state changes.</summary>
public sealed record ReferralRow
{
    /// <summary>The connector's key (Referral__c.External_Key__c), known before Salesforce has a Referral__c id.</summary>
    public required string ReferralKey { get; init; }
    public string? ReferralId { get; init; }
    public required string AdvocateId { get; init; }
    public required string State { get; init; }
    public required string Method { get; init; }
    public string? LeadId { get; init; }
    public string? OpportunityId { get; init; }
    public string? LoggedById { get; init; }
    public string? RefereeName { get; init; }
    public string? RefereeEmail { get; init; }
    public string? RefereeCompany { get; init; }
    public string? RefereePhone { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    // The domain's state beyond the 0001 columns (migration 0002): see Applying/DomainRows.
    public string? RefereeEmailKey { get; init; }
    public string? DuplicateOf { get; init; }
    public DateTimeOffset? WonAt { get; init; }
    public DateTimeOffset? LeadWatermark { get; init; }
    public DateTimeOffset? OpportunityWatermark { get; init; }
    public string? DealStage { get; init; }
    public decimal? DealRevenue { get; init; }
    public string? DealCurrency { get; init; }
    public decimal? DealRewardOverride { get; init; }
    public DateOnly? DealCloseDate { get; init; }
}

/// <summary>One transition in a referral's append-only history, with why it happened.</summary>
public sealed record ReferralStateChangeRow
{
    public required string ReferralKey { get; init; }
    public string? FromState { get; init; }
    public required string ToState { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string Reason { get; init; }
    public string? RuleId { get; init; }
    public required string MappingVersion { get; init; }
}

/// <summary>A state change as stored: with the event that caused it and when the ledger recorded it.</summary>
public sealed record RecordedStateChange
{
    public long Id { get; init; }
    public required string ReferralKey { get; init; }
    public string? FromState { get; init; }
    public required string ToState { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public required string EventKey { get; init; }
    public required string Reason { get; init; }
    public string? RuleId { get; init; }
    public required string MappingVersion { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>Why a decision (state change, routing, reward, quarantine) was taken.</summary>
public sealed record AuditRow
{
    public required string DecisionKind { get; init; }
    /// <summary>What it is about, e.g. <c>Referral:R-00042</c> or <c>Lead:00Q…</c>.</summary>
    public required string Subject { get; init; }
    public required string Reason { get; init; }
    public string? RuleId { get; init; }
    public string? MappingVersion { get; init; }
    public required DateTimeOffset At { get; init; }
}

public sealed record RecordedAudit
{
    public long Id { get; init; }
    public required string DecisionKind { get; init; }
    public required string Subject { get; init; }
    public required string Reason { get; init; }
    public string? RuleId { get; init; }
    public string? MappingVersion { get; init; }
    public string? EventKey { get; init; }
    public DateTimeOffset At { get; init; }
}
